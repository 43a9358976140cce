import GatewyseCore

/// The password policy of admin-api.md §3: at least 12 characters, with an upper-case letter, a
/// lower-case letter, a digit and a symbol. A password that fails answers 400 `INVALID_FIELD`
/// naming the field it came in (`password`, `newPassword`).
public enum PasswordPolicy {
    public static let minimumLength = 12
    /// Well above any passphrase, well below what would make hashing a denial of service.
    public static let maximumLength = 256

    /// What the password lacks, in words; empty when it passes.
    public static func problems(with password: String) -> [String] {
        var problems: [String] = []
        let length = password.count
        if length < minimumLength { problems.append("at least \(minimumLength) characters") }
        if length > maximumLength || password.utf8.count > PasswordHasher.maximumPasswordBytes {
            problems.append("at most \(maximumLength) characters")
        }
        if !password.contains(where: \.isUppercase) { problems.append("an upper-case letter") }
        if !password.contains(where: \.isLowercase) { problems.append("a lower-case letter") }
        if !password.contains(where: \.isNumber) { problems.append("a digit") }
        if !password.contains(where: isSymbol) { problems.append("a symbol") }
        return problems
    }

    /// Throws 400 `INVALID_FIELD` with `param` = `field` when the password fails the policy. The
    /// message names what is missing, never the password.
    public static func check(_ password: String, field: String) throws(GatewayError) {
        let problems = problems(with: password)
        guard !problems.isEmpty else { return }
        throw GatewayError.invalidField(field, "The password must have \(problems.joined(separator: ", ")).")
    }

    /// Punctuation and symbols, and any other character that is neither a letter, a digit nor
    /// white space (so `é` is a letter, `€` and `_` are symbols).
    static func isSymbol(_ character: Character) -> Bool {
        if character.isPunctuation || character.isSymbol { return true }
        return !character.isLetter && !character.isNumber && !character.isWhitespace
    }

    /// A random password that passes the policy: 20 characters from a set without look-alikes,
    /// with at least one of each required class (shown once by the bootstrap and the CLI).
    public static func generate(length: Int = 20) -> String {
        let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
        let lower = Array("abcdefghijkmnopqrstuvwxyz")
        let digits = Array("23456789")
        let symbols = Array("!#%+-=?@^_~")
        let all = upper + lower + digits + symbols
        var generator = SystemRandomNumberGenerator()
        var characters = [upper.randomElement(using: &generator)!, lower.randomElement(using: &generator)!,
                          digits.randomElement(using: &generator)!, symbols.randomElement(using: &generator)!]
        while characters.count < max(length, minimumLength) { characters.append(all.randomElement(using: &generator)!) }
        characters.shuffle(using: &generator)
        return String(characters)
    }
}
