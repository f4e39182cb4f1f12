import CPcap

/// libpcap's messages as Swift strings.
enum PcapText {
    /// The NUL-terminated text in an error buffer filled by libpcap.
    static func errorBuffer(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The handle's last error message (`pcap_geterr`), possibly empty.
    static func lastError(_ handle: OpaquePointer) -> String {
        guard let text = pcap_geterr(handle) else { return "" }
        return String(cString: text)
    }

    /// A status code's meaning followed by the handle's message when it
    /// adds something: "No such device exists: SIOCGIFINDEX: No such device".
    static func status(_ code: Int32, handle: OpaquePointer) -> String {
        let meaning = pcap_statustostr(code).map { String(cString: $0) } ?? "libpcap status \(code)"
        let detail = lastError(handle)
        if detail.isEmpty || detail == meaning { return meaning }
        // A generic error's text is all there is; "Generic error: …" adds nothing.
        if code == PCAP_ERROR || code == PCAP_WARNING { return detail }
        return "\(meaning): \(detail)"
    }
}
