extension Dissector {
    func decodeIPv4(_ cursor: inout ByteCursor, into packet: inout DecodedPacket) {
        let start = cursor.position
        packet.l3Offset = Int32(start)
        guard let versionIHL = cursor.peekUInt8(), cursor.has(20) else {
            packet.anomalies.insert(.ipv4HeaderTruncated)
            packet.l3Length = Int32(cursor.remaining)
            return
        }
        guard versionIHL >> 4 == 4 else {
            packet.anomalies.insert(.ipv4BadVersion)
            return
        }
        let headerLength = Int(versionIHL & 0x0f) * 4
        guard headerLength >= 20 else {
            packet.anomalies.insert(.ipv4BadHeaderLength)
            packet.l3Length = 20
            return
        }
        let totalLength = Int(cursor.peekUInt16(at: 2) ?? 0)
        let identification = cursor.peekUInt16(at: 4) ?? 0
        let flagsOffset = cursor.peekUInt16(at: 6) ?? 0
        packet.ttl = cursor.peekUInt8(at: 8) ?? 0
        let proto = cursor.peekUInt8(at: 9) ?? 0
        packet.source = IPAddress(v4: cursor.peekUInt32(at: 12) ?? 0)
        packet.destination = IPAddress(v4: cursor.peekUInt32(at: 16) ?? 0)
        packet.ipVersion = 4
        packet.l4Type = proto
        packet.l3Length = Int32(headerLength)

        guard cursor.has(headerLength) else {
            packet.anomalies.insert(.ipv4HeaderTruncated)
            packet.l3Length = Int32(cursor.remaining)
            return
        }
        if headerLength > 20 {
            let options = UnsafeRawBufferPointer(rebasing: cursor.bytes[start + 20 ..< start + headerLength])
            if !Self.optionsWellFormed(options) { packet.anomalies.insert(.ipv4OptionsMalformed) }
        }

        // The datagram ends where its total length says, within what was
        // captured. A total length of 0 is what TSO-offloaded senders record.
        var end = start + totalLength
        if totalLength < headerLength {
            packet.anomalies.insert(.ipv4TotalLengthTooSmall)
            end = cursor.bytes.count
        } else if end > cursor.bytes.count {
            if !packet.anomalies.contains(.snaplenTruncated) { packet.anomalies.insert(.ipv4PayloadTruncated) }
            end = cursor.bytes.count
        }
        packet.ipPayloadLength = Int32(max(totalLength - headerLength, end - start - headerLength))
        _ = cursor.skip(headerLength)
        var payload = ByteCursor(UnsafeRawBufferPointer(rebasing: cursor.bytes[0 ..< end]), at: cursor.position)

        let moreFragments = flagsOffset & 0x2000 != 0
        let fragmentOffset = Int32(flagsOffset & 0x1fff) * 8
        if moreFragments || fragmentOffset != 0 {
            packet.fragment = FragmentInfo(
                identification: UInt32(identification), offset: fragmentOffset, moreFragments: moreFragments,
                payloadOffset: Int32(payload.position), payloadLength: Int32(payload.remaining))
            packet.l5Offset = Int32(payload.position)
            packet.l5Length = Int32(payload.remaining)
            return
        }
        decodeTransport(proto, &payload, declaredLength: Int(packet.ipPayloadLength), into: &packet)
    }

    /// IPv4 and TCP options alike: EOL (0) ends, NOP (1) is one byte, others
    /// carry a length ≥ 2 that must fit.
    static func optionsWellFormed(_ options: UnsafeRawBufferPointer) -> Bool {
        var cursor = ByteCursor(options)
        while let kind = cursor.readUInt8() {
            if kind == 0 { return true }
            if kind == 1 { continue }
            guard let length = cursor.readUInt8(), length >= 2, cursor.skip(Int(length) - 2) else { return false }
        }
        return true
    }
}
