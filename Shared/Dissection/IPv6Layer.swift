extension Dissector {
    func decodeIPv6(_ cursor: inout ByteCursor, into packet: inout DecodedPacket) {
        let start = cursor.position
        packet.l3Offset = Int32(start)
        guard cursor.has(40), let first = cursor.peekUInt8() else {
            packet.anomalies.insert(.ipv6HeaderTruncated)
            packet.l3Length = Int32(cursor.remaining)
            return
        }
        guard first >> 4 == 6 else {
            packet.anomalies.insert(.ipv6BadVersion)
            return
        }
        let payloadLength = Int(cursor.peekUInt16(at: 4) ?? 0)
        var next = cursor.peekUInt8(at: 6) ?? 0
        packet.ttl = cursor.peekUInt8(at: 7) ?? 0
        packet.source = IPAddress(v6High: cursor.peekUInt64(at: 8) ?? 0, v6Low: cursor.peekUInt64(at: 16) ?? 0)
        packet.destination = IPAddress(v6High: cursor.peekUInt64(at: 24) ?? 0, v6Low: cursor.peekUInt64(at: 32) ?? 0)
        packet.ipVersion = 6
        _ = cursor.skip(40)

        // A payload length of 0 with hop-by-hop options is a jumbogram; use
        // what was captured then.
        var end = start + 40 + payloadLength
        if payloadLength == 0 && next == IPProtocol.hopByHop {
            end = cursor.bytes.count
        } else if end > cursor.bytes.count {
            if !packet.anomalies.contains(.snaplenTruncated) { packet.anomalies.insert(.ipv6PayloadTruncated) }
            end = cursor.bytes.count
        }
        packet.ipPayloadLength = Int32(max(payloadLength, end - start - 40))
        var payload = ByteCursor(UnsafeRawBufferPointer(rebasing: cursor.bytes[0 ..< end]), at: cursor.position)

        var headers = 0
        var fragment: FragmentInfo? = nil
        extensionLoop: while true {
            switch next {
            case IPProtocol.hopByHop, IPProtocol.ipv6Routing, IPProtocol.ipv6DestOptions,
                 IPProtocol.mobility, IPProtocol.hip, IPProtocol.shim6, IPProtocol.ah, IPProtocol.ipv6Fragment:
                headers += 1
                guard headers <= limits.maxIPv6ExtensionHeaders else {
                    packet.anomalies.insert(.ipv6TooManyExtensionHeaders)
                    break extensionLoop
                }
                guard let nextHeader = payload.peekUInt8(), let lengthField = payload.peekUInt8(at: 1) else {
                    packet.anomalies.insert(.ipv6ExtensionHeaderTruncated)
                    break extensionLoop
                }
                let length: Int
                if next == IPProtocol.ipv6Fragment {
                    length = 8
                    guard let offsetFlags = payload.peekUInt16(at: 2), let id = payload.peekUInt32(at: 4) else {
                        packet.anomalies.insert(.ipv6ExtensionHeaderTruncated)
                        break extensionLoop
                    }
                    fragment = FragmentInfo(identification: id, offset: Int32(offsetFlags & 0xfff8),
                                            moreFragments: offsetFlags & 1 != 0, payloadOffset: 0, payloadLength: 0)
                } else if next == IPProtocol.ah {
                    length = (Int(lengthField) + 2) * 4
                } else {
                    length = (Int(lengthField) + 1) * 8
                }
                guard payload.skip(length) else {
                    packet.anomalies.insert(.ipv6ExtensionHeaderTruncated)
                    break extensionLoop
                }
                next = nextHeader
            default:
                break extensionLoop
            }
        }
        packet.l4Type = next
        packet.l3Length = Int32(payload.position - start)
        if var info = fragment {
            // An atomic fragment (offset 0, no more) is a whole datagram.
            if info.offset != 0 || info.moreFragments {
                info.payloadOffset = Int32(payload.position)
                info.payloadLength = Int32(payload.remaining)
                packet.fragment = info
                packet.l5Offset = info.payloadOffset
                packet.l5Length = info.payloadLength
                return
            }
        }
        if packet.anomalies.contains(.ipv6ExtensionHeaderTruncated) || packet.anomalies.contains(.ipv6TooManyExtensionHeaders) {
            return
        }
        // The transport's share of the payload excludes the extension headers.
        let declared = Int(packet.ipPayloadLength) - (payload.position - start - 40)
        decodeTransport(next, &payload, declaredLength: declared, into: &packet)
    }
}
