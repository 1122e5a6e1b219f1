/// The scalars a client may slip into a line to see it refused or passed, drawn by class
/// first so that a class of one (the paragraph separator) is met as often as the format
/// characters, of which Unicode has over a hundred. The classes are read off Unicode's
/// own properties, not off ChatCore's rule or the checker's, so a rule that forgets a
/// class is met by a scalar from it.
enum InvisibleScalars {
    /// Every class a client draws from, each non-empty.
    static let classes: [[Unicode.Scalar]] = {
        let all = (0...0x10FFFF).compactMap(Unicode.Scalar.init(_:))
        func scalars(_ category: Unicode.GeneralCategory) -> [Unicode.Scalar] {
            all.filter { $0.properties.generalCategory == category }
        }
        let controls = scalars(.control).filter { $0 != "\n" && $0 != "\r" }  // a line's end is framing
        let classes: [[Unicode.Scalar]] = [
            controls.filter { $0.value < 0x7F },  // C0 but newline and return, tab among them
            controls.filter { $0.value >= 0x7F },  // DEL and C1
            scalars(.format),  // Cf: bidirectional controls, zero-width characters, the BOM, and the joiner
            scalars(.lineSeparator),  // U+2028
            scalars(.paragraphSeparator),  // U+2029
            scalars(.spaceSeparator),  // visible as a blank: allowed
        ]
        precondition(classes.allSatisfy { !$0.isEmpty }, "every class has a scalar")
        return classes
    }()

    /// The classes that mean nothing to IRC's own formatting (C0 codes are bold, colour and
    /// CTCP there).
    static let formatClasses: [[Unicode.Scalar]] = Array(classes.dropFirst(2))

    /// One scalar: a class, then a scalar of it.
    static func draw(from classes: [[Unicode.Scalar]], _ random: inout SeededRandom) -> Unicode.Scalar {
        let chosen = classes[random.below(classes.count)]
        // A class's ends half the time: an off-by-one at a range's bound is met.
        let index = random.below(2 * chosen.count)
        return index < chosen.count ? chosen[index] : (index % 2 == 0 ? chosen[0] : chosen[chosen.count - 1])
    }
}
