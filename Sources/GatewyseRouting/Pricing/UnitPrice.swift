import GatewyseCore

/// A price for a capability billed by something other than tokens: `amount` buys `quantity`
/// units (a second of audio, a character of speech, a rerank search). Prices are stated the way
/// providers state them — $0.006 per minute is `UnitPrice(0.006, per: 60)` seconds — because
/// dividing first would not be exact in nano-dollars ($0.15 an hour is 41,666.67 nano-dollars a
/// second); `cost` multiplies, then divides once, rounding half up.
///
/// Ready for the modalities issue: no route charges with these yet (images, audio, speech and
/// rerank answers carry no cost in their completion events until their routes read them).
public struct UnitPrice: Sendable, Hashable {
    public var amount: Money
    /// How many units `amount` buys (1 for a price per unit).
    public var quantity: Int64

    public init(_ amount: Money, per quantity: Int64 = 1) {
        precondition(quantity > 0, "a unit price buys at least one unit")
        self.amount = amount
        self.quantity = quantity
    }

    /// The cost of `units` units; negative counts cost nothing.
    public func cost(units: Int) -> Money {
        amount.scaled(by: max(units, 0), dividedBy: quantity)
    }
}

/// The price of one generated image, which providers set by size and quality (OpenAI's
/// `1024x1024` / `hd`) or not at all (Stability's per-image credits).
public struct ImagePrice: Sendable, Hashable {
    /// One size and quality; nil matches any.
    public struct Variant: Sendable, Hashable {
        public var size: String?
        public var quality: String?

        public init(size: String? = nil, quality: String? = nil) {
            self.size = size
            self.quality = quality
        }
    }

    public var perImage: [Variant: Money]

    public init(_ perImage: [Variant: Money]) {
        self.perImage = perImage
    }

    /// One price whatever the size and quality.
    public init(flat: Money) {
        self.perImage = [Variant(): flat]
    }

    /// The most specific price for the size and quality asked for — both, then the size alone,
    /// then the quality alone, then the flat one — or nil when none applies.
    public func price(size: String?, quality: String?) -> Money? {
        perImage[Variant(size: size, quality: quality)] ?? perImage[Variant(size: size)] ?? perImage[Variant(quality: quality)]
            ?? perImage[Variant()]
    }

    /// The cost of `count` images of one size and quality, or nil when unpriced.
    public func cost(count: Int, size: String?, quality: String?) -> Money? {
        price(size: size, quality: quality)?.scaled(by: max(count, 0), dividedBy: 1)
    }
}

/// Prices of the non-token capabilities by `"<provider type>/<model>"`, as `PriceBook` keys
/// token prices: images per image, transcription per audio second, speech per character, rerank
/// per search. Ready for the modalities issue (see `UnitPrice`).
public struct UnitPriceBook: Sendable {
    public var images: [String: ImagePrice]
    /// Per second of audio transcribed.
    public var transcription: [String: UnitPrice]
    /// Per character of text spoken.
    public var speech: [String: UnitPrice]
    /// Per search (one query against its documents).
    public var rerank: [String: UnitPrice]

    public init(images: [String: ImagePrice] = [:], transcription: [String: UnitPrice] = [:], speech: [String: UnitPrice] = [:],
                rerank: [String: UnitPrice] = [:]) {
        self.images = images
        self.transcription = transcription
        self.speech = speech
        self.rerank = rerank
    }

    /// From the provider reference (`shared/reference/providers.md`, LiteLLM 2026-07-24 unless
    /// stated): OpenAI whisper-1 $0.006/min and tts-1 $15 per 1M characters (§1); Groq
    /// whisper-large-v3-turbo ≈ $0.04/audio-hour (§5); Cohere rerank-v3.5 $2 per 1K searches
    /// (§7); AssemblyAI Universal-2 $0.15/h and Universal-3.5 Pro $0.21/h, per second (§18,
    /// assemblyai.com/pricing 2026-10-07); ElevenLabs eleven_multilingual_v2 and eleven_v3 $0.18
    /// per 1K characters, scribe_v1 ≈ $0.22/audio-hour (§19); Stability per image, any size
    /// (§ Stability AI); Gemini's Imagen 4 Fast/Standard/Ultra $0.02/$0.04/$0.06 and
    /// gemini-2.5-flash-image $0.039 per image (ai.google.dev/gemini-api/docs/pricing, as quoted
    /// 2026-02); Fireworks whisper-v3 $0.0015 and whisper-v3-turbo $0.0009 per audio minute
    /// (fireworks.ai model pages); Replicate's minimax/speech-2.6-turbo $0.06 per 1K input
    /// tokens, a token a character (replicate.com/minimax/speech-2.6-turbo). Not priced here:
    /// Gemini speech (billed per token of text in and audio out, not per character), Fireworks
    /// FLUX (billed per inference step) and Replicate's models billed by hardware time (Kokoro,
    /// the Whisper models), which depends on the run, not on the characters or the audio.
    public static let defaults = UnitPriceBook(
        images: [
            "stability/stable-image-ultra": ImagePrice(flat: 0.08),
            "stability/stable-image-core": ImagePrice(flat: 0.03),
            "stability/sd3.5-large": ImagePrice(flat: 0.065),
            "stability/sd3.5-large-turbo": ImagePrice(flat: 0.04),
            "stability/sd3.5-medium": ImagePrice(flat: 0.035),
            "gemini/imagen-4.0-fast-generate-001": ImagePrice(flat: 0.02),
            "gemini/imagen-4.0-generate-001": ImagePrice(flat: 0.04),
            "gemini/imagen-4.0-ultra-generate-001": ImagePrice(flat: 0.06),
            "gemini/gemini-2.5-flash-image": ImagePrice(flat: 0.039),
        ],
        transcription: [
            "openai/whisper-1": UnitPrice(0.006, per: 60),
            "groq/whisper-large-v3-turbo": UnitPrice(0.04, per: 3_600),
            "assemblyai/universal-2": UnitPrice(0.15, per: 3_600),
            "assemblyai/universal-3.5-pro": UnitPrice(0.21, per: 3_600),
            "elevenlabs/scribe_v1": UnitPrice(0.22, per: 3_600),
            "fireworks/whisper-v3": UnitPrice(0.0015, per: 60),
            "fireworks/whisper-v3-turbo": UnitPrice(0.0009, per: 60),
        ],
        speech: [
            "openai/tts-1": UnitPrice(15, per: 1_000_000),
            "elevenlabs/eleven_multilingual_v2": UnitPrice(0.18, per: 1_000),
            "elevenlabs/eleven_v3": UnitPrice(0.18, per: 1_000),
            "replicate/minimax/speech-2.6-turbo": UnitPrice(0.06, per: 1_000),
        ],
        rerank: [
            "cohere/rerank-v3.5": UnitPrice(2, per: 1_000),
        ])

    /// The cost of transcribing `milliseconds` of audio (billed by the second, prorated).
    public func transcriptionCost(key: String, milliseconds: Int) -> Money? {
        guard let price = transcription[key] else { return nil }
        return price.amount.scaled(by: max(milliseconds, 0), dividedBy: price.quantity * 1_000)
    }
}
