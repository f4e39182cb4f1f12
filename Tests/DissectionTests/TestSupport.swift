import TestSupport
import Dissection
import Testing

/// The AppPacCap layer fields of a decoded packet, compared as one value so a
/// failure shows every field at once.
struct Layers: Equatable, CustomStringConvertible {
    var l2l: Int32 = 0, l3t: UInt16 = 0, l3o: Int32 = 0, l3l: Int32 = 0
    var l4t: UInt8 = 0, l4o: Int32 = 0, l4l: Int32 = 0, l5o: Int32 = 0, l5l: Int32 = 0

    init(l2l: Int32 = 0, l3t: UInt16 = 0, l3o: Int32 = 0, l3l: Int32 = 0, l4t: UInt8 = 0, l4o: Int32 = 0,
         l4l: Int32 = 0, l5o: Int32 = 0, l5l: Int32 = 0) {
        self.l2l = l2l; self.l3t = l3t; self.l3o = l3o; self.l3l = l3l
        self.l4t = l4t; self.l4o = l4o; self.l4l = l4l; self.l5o = l5o; self.l5l = l5l
    }

    init(_ p: DecodedPacket) {
        self.init(l2l: p.l2Length, l3t: p.l3Type, l3o: p.l3Offset, l3l: p.l3Length, l4t: p.l4Type,
                  l4o: p.l4Offset, l4l: p.l4Length, l5o: p.l5Offset, l5l: p.l5Length)
    }

    var description: String {
        "L2l=\(l2l) L3t=0x\(String(l3t, radix: 16)) L3o=\(l3o) L3l=\(l3l) L4t=\(l4t) L4o=\(l4o) L4l=\(l4l) L5o=\(l5o) L5l=\(l5l)"
    }
}

/// A full "TCP/IPv4 at offset l2" expectation helper: every layer field.
func expectLayers(_ p: DecodedPacket, _ expected: Layers, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(Layers(p) == expected, sourceLocation: sourceLocation)
}

func expectAnomalies(_ p: DecodedPacket, _ expected: [Anomaly], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(names(p.anomalies) == names(expected), sourceLocation: sourceLocation)
}

func expectPorts(_ p: DecodedPacket, _ source: UInt16, _ destination: UInt16,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(p.hasPorts, sourceLocation: sourceLocation)
    #expect(p.sourcePort == source, sourceLocation: sourceLocation)
    #expect(p.destinationPort == destination, sourceLocation: sourceLocation)
}
