import Foundation
import GatewyseTesting

/// `gatewyse-mock --port N [--anthropic-port M] [--gemini-port G] [--cohere-port C]
/// [--bedrock-port B] [--elevenlabs-port E] [--stability-port S]
/// [--assemblyai-port A] [--replicate-port R] [--comfyui-port U] [--whispercpp-port W]`: the mock
/// upstreams as a process, for the Python SDK suites and manual experiments. The
/// OpenAI-compatible mock always runs; the Anthropic, Gemini, Cohere, Bedrock, ElevenLabs, Stability AI, AssemblyAI and
/// Replicate, ComfyUI and whisper.cpp server mocks run when their ports are given.
var port = 0
var anthropicPort: Int?
var geminiPort: Int?
var coherePort: Int?
var bedrockPort: Int?
var elevenLabsPort: Int?
var stabilityPort: Int?
var assemblyAIPort: Int?
var replicatePort: Int?
var comfyUIPort: Int?
var whisperCppPort: Int?
var arguments = CommandLine.arguments.dropFirst()
func number(_ value: Substring.SubSequence?, after flag: String) -> Int {
    guard let value = value.flatMap({ Int($0) }) else {
        FileHandle.standardError.write(Data("gatewyse-mock: \(flag) needs a number\n".utf8))
        exit(2)
    }
    return value
}
while let argument = arguments.popFirst() {
    switch argument {
    case "--port": port = number(arguments.popFirst().map { Substring($0) }, after: "--port")
    case "--anthropic-port": anthropicPort = number(arguments.popFirst().map { Substring($0) }, after: "--anthropic-port")
    case "--gemini-port": geminiPort = number(arguments.popFirst().map { Substring($0) }, after: "--gemini-port")
    case "--cohere-port": coherePort = number(arguments.popFirst().map { Substring($0) }, after: "--cohere-port")
    case "--bedrock-port": bedrockPort = number(arguments.popFirst().map { Substring($0) }, after: "--bedrock-port")
    case "--elevenlabs-port": elevenLabsPort = number(arguments.popFirst().map { Substring($0) }, after: "--elevenlabs-port")
    case "--stability-port": stabilityPort = number(arguments.popFirst().map { Substring($0) }, after: "--stability-port")
    case "--assemblyai-port": assemblyAIPort = number(arguments.popFirst().map { Substring($0) }, after: "--assemblyai-port")
    case "--replicate-port": replicatePort = number(arguments.popFirst().map { Substring($0) }, after: "--replicate-port")
    case "--comfyui-port": comfyUIPort = number(arguments.popFirst().map { Substring($0) }, after: "--comfyui-port")
    case "--whispercpp-port": whisperCppPort = number(arguments.popFirst().map { Substring($0) }, after: "--whispercpp-port")
    default:
        FileHandle.standardError.write(Data("usage: gatewyse-mock [--port N] [--anthropic-port M] [--gemini-port G] [--cohere-port C] [--bedrock-port B] [--elevenlabs-port E] [--stability-port S] [--assemblyai-port A] [--replicate-port R] [--comfyui-port U] [--whispercpp-port W]\n".utf8))
        exit(2)
    }
}
let mock = try await MockOpenAIUpstream.start(port: port)
print("gatewyse-mock (OpenAI) listening on \(mock.baseURL)")
if let anthropicPort {
    let anthropic = try await MockAnthropicUpstream.start(port: anthropicPort)
    print("gatewyse-mock (Anthropic) listening on \(anthropic.baseURL)")
}
if let geminiPort {
    let gemini = try await MockGeminiUpstream.start(port: geminiPort)
    print("gatewyse-mock (Gemini) listening on \(gemini.baseURL)")
}
if let coherePort {
    let cohere = try await MockCohereUpstream.start(port: coherePort)
    print("gatewyse-mock (Cohere) listening on \(cohere.baseURL)")
}
if let bedrockPort {
    let bedrock = try await MockBedrockUpstream.start(port: bedrockPort)
    print("gatewyse-mock (Bedrock) listening on \(bedrock.baseURL)")
}
if let elevenLabsPort {
    let elevenLabs = try await MockElevenLabsUpstream.start(port: elevenLabsPort)
    print("gatewyse-mock (ElevenLabs) listening on \(elevenLabs.baseURL)")
}
if let stabilityPort {
    let stability = try await MockStabilityUpstream.start(port: stabilityPort)
    print("gatewyse-mock (Stability AI) listening on \(stability.baseURL)")
}
if let assemblyAIPort {
    let assemblyAI = try await MockAssemblyAIUpstream.start(port: assemblyAIPort)
    print("gatewyse-mock (AssemblyAI) listening on \(assemblyAI.baseURL)")
}
if let replicatePort {
    let replicate = try await MockReplicateUpstream.start(port: replicatePort)
    print("gatewyse-mock (Replicate) listening on \(replicate.baseURL)")
}
if let comfyUIPort {
    let comfyUI = try await MockComfyUIUpstream.start(port: comfyUIPort)
    print("gatewyse-mock (ComfyUI) listening on \(comfyUI.baseURL)")
}
if let whisperCppPort {
    let whisperCpp = try await MockWhisperCppUpstream.start(port: whisperCppPort)
    print("gatewyse-mock (whisper.cpp) listening on \(whisperCpp.baseURL)")
}
fflush(nil)
try await mock.wait()
