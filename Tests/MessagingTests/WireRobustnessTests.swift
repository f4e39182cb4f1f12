import Dissection
import Foundation
import TestSupport
import Testing
import Wire

/// Decodes a received message the way a service does.
func decode(_ frames: [[UInt8]], limits: WireLimits = .default) throws(WireError) -> Message {
    try Message(try Envelope(frames: frames, limits: limits), limits: limits)
}

/// The WireError decoding `frames` throws, or nil if it decodes.
func decodeError(_ frames: [[UInt8]], limits: WireLimits = .default) -> WireError? {
    do {
        _ = try decode(frames, limits: limits)
        return nil
    } catch {
        return error
    }
}

@Suite struct WireRobustnessTests {
    /// Every prefix of every frame, and every prefix of the frame list, is
    /// refused with a typed error naming the right kind.
    @Test func dripFeed() {
        var prefixes = 0
        for (message, frames) in Samples.wireMessages {
            for n in 0 ..< frames.count {
                let kind = decodeError(Array(frames.prefix(n)))?.kind
                #expect(kind == .frameCount, "\(message): \(n) frames gave \(String(describing: kind))")
            }
            for k in frames.indices {
                for n in 0 ..< frames[k].count {
                    var cut = frames
                    cut[k] = Array(frames[k].prefix(n))
                    prefixes += 1
                    let kind = decodeError(cut)?.kind
                    let expected: [WireError.Kind] = k == 0 ? [.unknownType, .invalidValue] : [.truncated]
                    #expect(kind.map(expected.contains) == true, "\(message) frame \(k) cut to \(n) bytes: \(String(describing: kind))")
                }
                var long = frames
                long[k].append(0)
                let kind = decodeError(long)?.kind
                #expect(kind == (k == 0 ? .invalidValue : .trailingBytes), "\(message) frame \(k) + 1 byte: \(String(describing: kind))")
            }
        }
        #expect(prefixes > 500)
    }

    /// Random damage never traps; whatever still decodes re-encodes to the
    /// very same frames (the format has one encoding per value).
    @Test func randomMutations() {
        var rng = SplitMix64(seed: 0x5EED_0001)
        var refused = 0
        var accepted = 0
        for (_, frames) in Samples.wireMessages {
            for _ in 0 ..< 3_000 {
                var damaged = frames
                for _ in 0 ..< Int.random(in: 1 ... 4, using: &rng) {
                    mutate(&damaged, using: &rng)
                }
                do {
                    let message = try decode(damaged)
                    accepted += 1
                    let envelope = try Envelope(frames: damaged)
                    let again = message.envelope(producer: envelope.header.producer, sequence: envelope.header.sequence).frames
                    #expect(again == damaged, "accepted a non-canonical encoding")
                } catch {
                    refused += 1
                }
            }
        }
        #expect(refused > 0 && accepted > 0)
    }

    private func mutate(_ frames: inout [[UInt8]], using rng: inout SplitMix64) {
        let k = Int.random(in: 0 ..< frames.count, using: &rng)
        var f = frames[k]
        switch Int.random(in: 0 ..< 7, using: &rng) {
        case 0 where !f.isEmpty:
            f[Int.random(in: 0 ..< f.count, using: &rng)] ^= UInt8(1) << UInt8.random(in: 0 ... 7, using: &rng)
        case 1 where !f.isEmpty:
            f[Int.random(in: 0 ..< f.count, using: &rng)] = .random(in: 0 ... 255, using: &rng)
        case 2:
            f.insert(.random(in: 0 ... 255, using: &rng), at: Int.random(in: 0 ... f.count, using: &rng))
        case 3 where !f.isEmpty:
            f.remove(at: Int.random(in: 0 ..< f.count, using: &rng))
        case 4:
            f = Array(f.prefix(Int.random(in: 0 ... f.count, using: &rng)))
        case 5 where f.count >= 4:
            // A length or count field set huge.
            let at = Int.random(in: 0 ... f.count - 4, using: &rng)
            f.replaceSubrange(at ..< at + 4, with: [0xFF, 0xFF, 0xFF, UInt8.random(in: 0 ... 0xFF, using: &rng)])
        default:
            if Bool.random(using: &rng) { frames.append(f) } else if frames.count > 1 { frames.removeLast() }
            return
        }
        frames[k] = f
    }

    @Test func headerChecks() {
        let frames = Samples.watermark.envelope(producer: Samples.producer, sequence: 1).frames
        var badVersion = frames
        badVersion[1][0] = 2
        #expect(decodeError(badVersion)?.kind == .unsupportedVersion)
        var reserved = frames
        reserved[1][2] = 1
        #expect(decodeError(reserved)?.kind == .invalidValue)
        var unknown = frames
        unknown[0] = Array("records.v9".utf8)
        #expect(decodeError(unknown)?.kind == .unknownType)
        var notAName = frames
        notAName[0] = Array("Frames.v1".utf8)
        #expect(decodeError(notAName)?.kind == .invalidValue)
        let twoPayloads = frames + [[]]
        #expect(decodeError(twoPayloads)?.kind == .frameCount)
        var wrongCount = frames
        wrongCount[1][28] = 2
        #expect(decodeError(wrongCount)?.kind == .invalidValue)
    }

    @Test func askingForAnotherTypeIsTyped() throws {
        let envelope = Samples.watermark.envelope(producer: Samples.producer, sequence: 1)
        #expect(throws: WireError(.unexpectedType, "expected frames.v1, got watermark.v1")) {
            try FrameBatch(envelope)
        }
    }

    @Test func oversizedInput() {
        // Item count far above the limit: refused before anything is read or reserved.
        var frames = Samples.frameBatch.envelope(producer: Samples.producer, sequence: 1).frames
        frames[1].replaceSubrange(28 ..< 32, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(decodeError(frames)?.kind == .limitExceeded)
        // Within the limit but more than the bytes hold.
        frames[1].replaceSubrange(28 ..< 32, with: [0x00, 0x00, 0x01, 0x00])
        #expect(decodeError(frames)?.kind == .truncated)

        // A captured length above the limit, even with the bytes present.
        var big = FrameBatch(captureID: 1)
        big.append(number: 1, timestamp: 0, wireLength: 300_000, linkType: .ethernet, bytes: [UInt8](repeating: 0, count: 300_000))
        let bigFrames = big.envelope(producer: Samples.producer, sequence: 1).frames
        #expect(decodeError(bigFrames)?.kind == .limitExceeded)
        var roomy = WireLimits()
        roomy.capturedLength = 1 << 20
        #expect(decodeError(bigFrames, limits: roomy) == nil)

        var small = WireLimits()
        small.payloadBytes = 100
        #expect(decodeError(bigFrames, limits: small)?.kind == .limitExceeded)
        small = WireLimits()
        small.payloadFrames = 0
        #expect(decodeError(bigFrames, limits: small)?.kind == .limitExceeded)

        var longType = bigFrames
        longType[0] = [UInt8](repeating: 0x61, count: 65)
        #expect(decodeError(longType)?.kind == .limitExceeded)

        var acks = Samples.ack.envelope(producer: Samples.producer, sequence: 1).frames
        acks[1].replaceSubrange(28 ..< 32, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(decodeError(acks)?.kind == .limitExceeded)

        var end = Samples.failedEnd.envelope(producer: Samples.producer, sequence: 1).frames
        end[2].replaceSubrange(20 ..< 24, with: [0x00, 0x00, 0x01, 0x00])
        #expect(decodeError(end)?.kind == .limitExceeded)
    }

    @Test func invalidValues() {
        // Ranges out of order.
        var ack = Samples.ack.envelope(producer: Samples.producer, sequence: 1).frames
        ack[2].replaceSubrange(16 ..< 24, with: [11, 0, 0, 0, 0, 0, 0, 0])
        #expect(decodeError(ack)?.kind == .invalidValue)
        // Second range overlapping the first.
        ack = Samples.ack.envelope(producer: Samples.producer, sequence: 1).frames
        ack[2].replaceSubrange(32 ..< 40, with: [10, 0, 0, 0, 0, 0, 0, 0])
        #expect(decodeError(ack)?.kind == .invalidValue)

        var end = Samples.failedEnd.envelope(producer: Samples.producer, sequence: 1).frames
        end[2][16] = 5
        #expect(decodeError(end)?.kind == .invalidValue)
        end = Samples.failedEnd.envelope(producer: Samples.producer, sequence: 1).frames
        end[2][24] = 0xFF
        #expect(decodeError(end)?.kind == .invalidValue)
        end = Samples.failedEnd.envelope(producer: Samples.producer, sequence: 1).frames
        end[2][18] = 1
        #expect(decodeError(end)?.kind == .invalidValue)
    }
}
