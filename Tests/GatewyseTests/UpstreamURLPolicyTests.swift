import GatewyseEngine
import Testing

/// SSRF: every spelling of an internal address is recognised, as the resolver would read it.
@Suite("Upstream URL policy: addresses in every form")
struct UpstreamURLPolicyTests {
    typealias Class = UpstreamURLPolicy.AddressClass

    @Test("IPv4 is read with inet_aton semantics", arguments: [
        ("127.0.0.1", [127, 0, 0, 1]), ("2130706433", [127, 0, 0, 1]), ("0x7f000001", [127, 0, 0, 1]),
        ("0x7f.0.0.1", [127, 0, 0, 1]), ("0177.0.0.1", [127, 0, 0, 1]), ("127.1", [127, 0, 0, 1]), ("0x7F.1", [127, 0, 0, 1]),
        ("127.0.1", [127, 0, 0, 1]), ("127.0.0.1.", [127, 0, 0, 1]), ("0", [0, 0, 0, 0]), ("169.254.43518", [169, 254, 169, 254]),
        ("0251.0376.0251.0376", [169, 254, 169, 254]), ("2852039166", [169, 254, 169, 254]), ("8.8.8.8", [8, 8, 8, 8]),
    ] as [(String, [UInt8])])
    func ipv4Forms(host: String, bytes: [UInt8]) {
        #expect(IPAddressLiteral.bytes(host) == bytes)
    }

    @Test("what inet_aton refuses is a name", arguments: [
        "256.0.0.1", "1.2.3.4.5", "08.0.0.1", "0x100000000", "1.2.3.256", "1.16777216", "", "api.openai.com", "1..2", "4294967296",
        "99999999999999999999", "127.0.0.1..", "-1",
    ])
    func notIPv4(host: String) {
        #expect(IPAddressLiteral.bytes(host) == nil)
    }

    @Test("IPv6 is read in every RFC 4291 form", arguments: [
        ("::1", [UInt8](repeating: 0, count: 15) + [1]), ("0:0:0:0:0:0:0:1", [UInt8](repeating: 0, count: 15) + [1]),
        ("[::1]", [UInt8](repeating: 0, count: 15) + [1]), ("::", [UInt8](repeating: 0, count: 16)),
        ("::ffff:127.0.0.1", [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 127, 0, 0, 1]),
        ("::ffff:7f00:1", [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 127, 0, 0, 1]),
        ("fe80::1%eth0", [0xFE, 0x80] + [UInt8](repeating: 0, count: 13) + [1]),
        ("1::", [0, 1] + [UInt8](repeating: 0, count: 14)),
    ] as [(String, [UInt8])])
    func ipv6Forms(host: String, bytes: [UInt8]) {
        #expect(IPAddressLiteral.bytes(host) == bytes)
    }

    @Test("malformed IPv6 is not an address", arguments: [
        ":1", "1:", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "::ffff:1.2.3", "::ffff:127.1", "g::1", "::1.2.3.4:5",
    ])
    func notIPv6(host: String) {
        #expect(IPAddressLiteral.bytes(host) == nil)
    }

    @Test("every spelling of loopback is loopback", arguments: [
        "127.0.0.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "127.1", "127.0.0.1.", "0.0.0.0", "0",
        "[::1]", "[0:0:0:0:0:0:0:1]", "[::]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]", "[64:ff9b::7f00:1]",
        "localhost", "LOCALHOST.", "api.localhost",
    ])
    func loopback(host: String) {
        #expect(UpstreamURLPolicy.classify(host: host) == .loopback)
    }

    @Test("every spelling of a metadata or link-local address is never allowed", arguments: [
        "169.254.169.254", "2852039166", "0xa9fea9fe", "0251.0376.0251.0376", "169.254.43518", "0xa9.0xfe.0xa9.0xfe",
        "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]", "[fd00:ec2::254]", "[FD00:0EC2:0:0:0:0:0:254]", "[fe80::1]", "[fe80::1%25eth0]",
        "[febf::1]", "192.0.0.192", "metadata.google.internal", "metadata.google.internal.", "[2002:a9fe:a9fe::1]",
    ])
    func metadata(host: String) {
        #expect(UpstreamURLPolicy.classify(host: host) == .linkLocal)
    }

    @Test("private ranges in any form are private", arguments: [
        "10.0.0.1", "012.0.0.1", "0xa000001", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "100.100.100.200",
        "[fd12:3456::1]", "[fc00::1]", "[::ffff:10.0.0.1]", "[::ffff:c0a8:101]", "224.0.0.1", "255.255.255.255",
    ])
    func privateRanges(host: String) {
        #expect(UpstreamURLPolicy.classify(host: host) == .privateNetwork)
    }

    @Test("public addresses and names stay public", arguments: [
        "8.8.8.8", "172.32.0.1", "100.128.0.1", "api.openai.com", "[2606:4700::1111]", "[::ffff:8.8.8.8]", "256.1.1.1", "[2002:808:808::1]",
    ])
    func publicHosts(host: String) {
        #expect(UpstreamURLPolicy.classify(host: host) == .publicAddress)
    }

    @Test("URLs: decimal, hex, octal, short and IPv6 forms of internal addresses are refused")
    func urls() {
        for url in ["http://2130706433/v1", "http://0x7f000001/", "http://0x7f.0.0.1/", "http://0177.0.0.1/", "http://127.1:8000/",
                    "http://[::ffff:7f00:1]/", "http://[::ffff:127.0.0.1]/", "http://localhost./", "http://0.0.0.0/", "http://[0:0:0:0:0:0:0:1]/"] {
            #expect(UpstreamURLPolicy.problem(with: url, allowPrivate: false)?.contains("private or loopback") == true, "\(url)")
            #expect(UpstreamURLPolicy.problem(with: url, allowPrivate: true) == nil, "\(url)")
        }
        for url in ["http://169.254.169.254/", "http://2852039166/", "http://[fd00:ec2::254]/", "http://[::ffff:a9fe:a9fe]/latest"] {
            #expect(UpstreamURLPolicy.problem(with: url, allowPrivate: true)?.contains("never allowed") == true, "\(url)")
        }
        #expect(UpstreamURLPolicy.problem(with: "http://127.0.0.%31/", allowPrivate: false)?.contains("percent-encode") == true)
        #expect(UpstreamURLPolicy.problem(with: "https://api.openai.com/v1", allowPrivate: false) == nil)
    }

    @Test("resolved addresses are judged by their bytes; a wrong length fails closed")
    func resolvedAddresses() {
        #expect(UpstreamURLPolicy.classify(address: [127, 0, 0, 1]) == .loopback)
        #expect(UpstreamURLPolicy.classify(address: [169, 254, 169, 254]) == .linkLocal)
        #expect(UpstreamURLPolicy.classify(address: [104, 18, 6, 192]) == .publicAddress)
        #expect(UpstreamURLPolicy.classify(address: [0xFD, 0x00, 0x0E, 0xC2] + [UInt8](repeating: 0, count: 10) + [0x02, 0x54]) == .linkLocal)
        #expect(UpstreamURLPolicy.classify(address: [1, 2, 3]) == .linkLocal)
    }
}
