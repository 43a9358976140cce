import Foundation
import GatewyseCore
import GatewyseProviders

/// What decoding a client's chat body costs, in the build it runs in (`make bench-wire`): the
/// steps `InferenceEndpoint.decode` takes for `/v1/chat/completions` — parse (locating the
/// top-level `model`), decode to the unified `ChatRequest`, keep the client's bytes for the
/// verbatim fast path — for `iterations` bodies, three rounds. The body is `make bench`'s chat
/// body unless a file is given as the second argument.
let iterations = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200_000
let body: [UInt8] = CommandLine.arguments.count > 2
    ? Array(FileManager.default.contents(atPath: CommandLine.arguments[2]) ?? Data())
    : Array(#"""
    {"model":"mock/gpt-4o-mini","messages":[{"role":"system","content":"You are a support assistant for Northwind Books, an online bookshop. Answer in a friendly, concise tone. Use only the order facts given in the conversation; never invent tracking numbers, prices or dates. If a customer asks for a refund, explain the 30-day return policy and offer to open a return request. Keep answers under 120 words and end with a short question that moves the conversation forward."},{"role":"user","content":"Hi! I ordered three books last Tuesday (order NW-48213): a hardcover copy of The Left Hand of Darkness, a paperback of Piranesi and the illustrated edition of The Hobbit. The tracking page has said label created for four days now and nothing has moved. I need the Hobbit as a birthday present on Saturday. Can you tell me whether the parcel has actually shipped, and if it will not arrive in time, can I pick the Hobbit up from your Leeds store instead and get the other two delivered later? Thanks a lot for your help."}],"temperature":0.2,"max_tokens":256,"top_p":1,"user":"customer-48213"}
    """#.utf8)

func decodeOnce() throws -> ChatRequest {
    let (json, modelRange) = try body.withUnsafeBufferPointer { buffer in
        try JSONParser.parse(buffer: buffer, locatingTopLevel: "model")
    }
    var chat = try OpenAIChatWire.decodeRequest(json)
    chat.clientBody = OpenAIChatWire.clientBody(json, bytes: body, modelRange: modelRange)
    return chat
}

precondition((try? decodeOnce())?.clientBody != nil, "the body must decode and be forwardable")
for round in 1...3 {
    var kept = 0
    let start = ContinuousClock.now
    for _ in 0..<iterations {
        kept &+= try decodeOnce().messages.count
    }
    let elapsed = ContinuousClock.now - start
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    print(String(format: "round %d: %.2f µs per chat body (%d bytes, %d bodies, %d messages)", round,
                 nanoseconds / Double(iterations) / 1000, body.count, iterations, kept))
}
