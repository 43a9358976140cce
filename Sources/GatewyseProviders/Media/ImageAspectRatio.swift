/// OpenAI's `size` (`WIDTHxHEIGHT`) as one of the aspect ratios a provider offers, for providers
/// that take a shape rather than pixels (Gemini's Imagen and image models, Fireworks' FLUX).
/// The nearest ratio is taken when it is close — within `tolerance` as a factor, so 1536x1024
/// (3:2) becomes 4:3 where 3:2 is not offered — and a shape far from all of them (`4000x100`) is
/// a reason to skip the provider rather than to answer an image of another shape.
public enum ImageAspectRatio {
    /// How far the nearest ratio may be, as a factor (1.25: 25 % wider or narrower).
    public static let tolerance = 1.25

    public enum Choice: Equatable, Sendable {
        /// No size, or `auto`: the provider's default shape.
        case providerDefault
        case ratio(String)
        /// No offered ratio is close enough (the reason names `size`).
        case unavailable(String)
    }

    /// `offered` as `"W:H"` names.
    public static func choose(size: String?, offered: [String]) -> Choice {
        guard let size, size != "auto" else { return .providerDefault }
        guard let target = ratio(size, separator: "x") else { return .unavailable("cannot read size '\(size)'") }
        // max(r/t, t/r) orders like |log r − log t|: 2:1 and 1:2 are equally far from 1:1.
        func distance(_ name: String) -> Double {
            guard let r = ratio(name, separator: ":") else { return .infinity }
            return max(r / target, target / r)
        }
        guard let best = offered.min(by: { distance($0) < distance($1) }), distance(best) <= tolerance else {
            return .unavailable("has no aspect ratio near size '\(size)' (offers \(offered.joined(separator: ", ")))")
        }
        return .ratio(best)
    }

    static func ratio(_ text: String, separator: Character) -> Double? {
        let sides = text.split(separator: separator)
        guard sides.count == 2, let width = Double(sides[0]), let height = Double(sides[1]), width > 0, height > 0 else { return nil }
        return width / height
    }
}
