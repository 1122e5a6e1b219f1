extension Array {
    /// Makes room for `extra` more elements, growing geometrically. `reserveCapacity(n)`
    /// allocates exactly `n`: called before each of a batch's fan-outs it reallocates and
    /// copies the whole buffer every time, which made a batch of k messages to n members
    /// cost O(k² · n) copying (the profile's top frame at a burst: memmove and page faults
    /// in `Roster.deliver`, and the worse the backlog, the bigger the batch).
    public mutating func reserveRoom(for extra: Int) {
        let needed = count + extra
        guard needed > capacity else { return }
        reserveCapacity(Swift.max(needed, capacity * 2))
    }
}
