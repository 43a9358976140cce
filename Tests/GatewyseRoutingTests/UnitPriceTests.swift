import GatewyseCore
import Testing
@testable import GatewyseRouting

@Suite struct UnitPriceTests {
    @Test("whisper-1 at $0.006 a minute: 90 seconds cost $0.009, 1 second $0.0001")
    func transcriptionPerSecond() {
        let book = UnitPriceBook.defaults
        #expect(book.transcriptionCost(key: "openai/whisper-1", milliseconds: 90_000) == Money(usd: "0.009"))
        #expect(book.transcriptionCost(key: "openai/whisper-1", milliseconds: 1_000) == Money(usd: "0.0001"))
        #expect(book.transcriptionCost(key: "openai/nothing", milliseconds: 1_000) == nil)
    }

    @Test("$0.15 an hour is not a whole number of nano-dollars a second: an hour still costs exactly $0.15")
    func hourlyPricesDivideOnce() {
        let book = UnitPriceBook.defaults
        #expect(book.transcriptionCost(key: "assemblyai/universal-2", milliseconds: 3_600_000) == Money(usd: "0.15"))
        // One second: 0.15 / 3600 = 0.0000416666… → 41,667 nano-dollars (half up).
        #expect(book.transcriptionCost(key: "assemblyai/universal-2", milliseconds: 1_000) == Money(nanos: 41_667))
    }

    @Test("speech per character: tts-1 $15 per million, ElevenLabs $0.18 per thousand")
    func speech() {
        let book = UnitPriceBook.defaults
        #expect(book.speech["openai/tts-1"]?.cost(units: 2_000) == Money(usd: "0.03"))
        #expect(book.speech["elevenlabs/eleven_v3"]?.cost(units: 2_500) == Money(usd: "0.45"))
        #expect(book.speech["openai/tts-1"]?.cost(units: -5) == .zero)
    }

    @Test("rerank per search: rerank-v3.5 $2 per thousand")
    func rerank() {
        #expect(UnitPriceBook.defaults.rerank["cohere/rerank-v3.5"]?.cost(units: 3) == Money(usd: "0.006"))
    }

    @Test("images by size and quality, most specific first; a flat price applies to any")
    func images() {
        let price = ImagePrice([
            ImagePrice.Variant(size: "1024x1024", quality: "hd"): 0.08,
            ImagePrice.Variant(size: "1024x1024"): 0.04,
            ImagePrice.Variant(quality: "hd"): 0.12,
        ])
        #expect(price.cost(count: 2, size: "1024x1024", quality: "hd") == Money(usd: "0.16"))
        #expect(price.cost(count: 1, size: "1024x1024", quality: "standard") == Money(usd: "0.04"))
        #expect(price.cost(count: 1, size: "1792x1024", quality: "hd") == Money(usd: "0.12"))
        #expect(price.cost(count: 1, size: "1792x1024", quality: "standard") == nil)
        #expect(UnitPriceBook.defaults.images["stability/sd3.5-large"]?.cost(count: 3, size: "1:1", quality: nil) == Money(usd: "0.195"))
    }
}
