/// Something wrong with a frame. Recorded on the packet while decoding goes
/// on where it can; never a crash, never a stop.
public enum Anomaly: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case snaplenTruncated            // captured length < wire length
    case unsupportedLinkType
    case linkHeaderTruncated
    case vlanTagTruncated
    case tooManyVLANTags
    case mplsTruncated
    case tooManyMPLSLabels
    case unknownLinkFamily           // null/loopback AF or raw IP version not IP
    case ipv4HeaderTruncated
    case ipv4BadVersion
    case ipv4BadHeaderLength
    case ipv4TotalLengthTooSmall
    case ipv4PayloadTruncated        // total length beyond captured bytes
    case ipv4OptionsMalformed
    case ipv6HeaderTruncated
    case ipv6BadVersion
    case ipv6PayloadTruncated
    case ipv6ExtensionHeaderTruncated
    case ipv6TooManyExtensionHeaders
    case tcpHeaderTruncated
    case tcpBadDataOffset
    case tcpOptionsMalformed
    case udpHeaderTruncated
    case udpBadLength
    case icmpTruncated
    case icmpv6Truncated
    case sctpTruncated
    case fragmentOverlap
    case fragmentOverlapConflict     // overlapping bytes disagree
    case fragmentTooLarge            // reassembled datagram would exceed 65535
    case fragmentTableFull
    case fragmentIncomplete          // timed out or flushed before completion
    case fragmentTooMany             // more pieces than a datagram may hold
    case fragmentInconsistentEnd     // two different last fragments
    case icmpInnerTruncated          // quoted packet of an ICMP error too short
    case vlanStackTruncated          // more tags than a flow key holds; inner ones not kept

    public var description: String {
        switch self {
        case .snaplenTruncated: "snaplen_truncated"
        case .unsupportedLinkType: "unsupported_link_type"
        case .linkHeaderTruncated: "link_header_truncated"
        case .vlanTagTruncated: "vlan_tag_truncated"
        case .tooManyVLANTags: "too_many_vlan_tags"
        case .mplsTruncated: "mpls_truncated"
        case .tooManyMPLSLabels: "too_many_mpls_labels"
        case .unknownLinkFamily: "unknown_link_family"
        case .ipv4HeaderTruncated: "ipv4_header_truncated"
        case .ipv4BadVersion: "ipv4_bad_version"
        case .ipv4BadHeaderLength: "ipv4_bad_header_length"
        case .ipv4TotalLengthTooSmall: "ipv4_total_length_too_small"
        case .ipv4PayloadTruncated: "ipv4_payload_truncated"
        case .ipv4OptionsMalformed: "ipv4_options_malformed"
        case .ipv6HeaderTruncated: "ipv6_header_truncated"
        case .ipv6BadVersion: "ipv6_bad_version"
        case .ipv6PayloadTruncated: "ipv6_payload_truncated"
        case .ipv6ExtensionHeaderTruncated: "ipv6_extension_header_truncated"
        case .ipv6TooManyExtensionHeaders: "ipv6_too_many_extension_headers"
        case .tcpHeaderTruncated: "tcp_header_truncated"
        case .tcpBadDataOffset: "tcp_bad_data_offset"
        case .tcpOptionsMalformed: "tcp_options_malformed"
        case .udpHeaderTruncated: "udp_header_truncated"
        case .udpBadLength: "udp_bad_length"
        case .icmpTruncated: "icmp_truncated"
        case .icmpv6Truncated: "icmpv6_truncated"
        case .sctpTruncated: "sctp_truncated"
        case .fragmentOverlap: "fragment_overlap"
        case .fragmentOverlapConflict: "fragment_overlap_conflict"
        case .fragmentTooLarge: "fragment_too_large"
        case .fragmentTableFull: "fragment_table_full"
        case .fragmentIncomplete: "fragment_incomplete"
        case .fragmentTooMany: "fragment_too_many"
        case .fragmentInconsistentEnd: "fragment_inconsistent_end"
        case .icmpInnerTruncated: "icmp_inner_truncated"
        case .vlanStackTruncated: "vlan_stack_truncated"
        }
    }
}

/// A set of anomalies packed in one word: recording one costs no allocation.
public struct AnomalySet: Sendable, Hashable, Sequence {
    public var rawValue: UInt64

    public init(rawValue: UInt64 = 0) { self.rawValue = rawValue }

    @inlinable public var isEmpty: Bool { rawValue == 0 }
    public var count: Int { rawValue.nonzeroBitCount }

    @inlinable
    public mutating func insert(_ anomaly: Anomaly) { rawValue |= 1 << UInt64(anomaly.rawValue) }

    public func contains(_ anomaly: Anomaly) -> Bool { rawValue & (1 << UInt64(anomaly.rawValue)) != 0 }

    public mutating func formUnion(_ other: AnomalySet) { rawValue |= other.rawValue }

    public func makeIterator() -> some IteratorProtocol<Anomaly> {
        var bits = rawValue
        return AnyIterator {
            while bits != 0 {
                let index = bits.trailingZeroBitCount
                bits &= bits - 1
                if let a = Anomaly(rawValue: UInt8(index)) { return a }
            }
            return nil
        }
    }
}
