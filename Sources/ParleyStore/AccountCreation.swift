/// The outcome of ``ParleyDatabase/createAccount(name:nameKey:passwordHash:atMs:)``.
public enum AccountCreation: Sendable, Equatable {
    /// The account was inserted.
    case created
    /// An account with the same name key (same name, ignoring case) already exists.
    case nameTaken
}
