import CPcap

/// Configures and activates a created (not yet active) live handle,
/// installs the filter and makes it non-blocking (the reader polls its
/// descriptor itself). The caller owns the handle and closes it on error.
struct PcapLiveSetup {
    struct Result {
        var warnings: [String]
        var nanosecondTimestamps: Bool
        /// The capture socket, for poll(2).
        var selectableDescriptor: Int32
    }

    let handle: OpaquePointer
    let interface: String
    let options: LiveCaptureOptions

    func run() throws(CaptureError) -> Result {
        // These fail only on an already active handle, which this is not;
        // they are checked anyway so a libpcap surprise is reported.
        try check(pcap_set_snaplen(handle, Int32(clamping: options.snapLength)), "snap length")
        try check(pcap_set_promisc(handle, options.promiscuous ? 1 : 0), "promiscuous mode")
        try check(pcap_set_buffer_size(handle, Int32(clamping: options.bufferBytes)), "buffer size")
        try check(pcap_set_immediate_mode(handle, options.immediate ? 1 : 0), "immediate mode")
        try check(pcap_set_timeout(handle, Int32(clamping: options.timeoutMilliseconds)), "read timeout")
        var warnings: [String] = []
        if pcap_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_NANO)) != 0 {
            warnings.append("nanosecond timestamps unsupported; using microseconds")
        }
        let status = pcap_activate(handle)
        if status < 0 {
            throw CaptureError(kind: .open, path: interface, message: PcapText.status(status, handle: handle))
        }
        if status > 0 {
            warnings.append(PcapText.status(status, handle: handle))
        }
        try installFilter()
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard pcap_setnonblock(handle, 1, &errbuf) == 0 else {
            throw CaptureError(kind: .open, path: interface, message: PcapText.errorBuffer(errbuf))
        }
        let descriptor = pcap_get_selectable_fd(handle)
        guard descriptor >= 0 else {
            throw CaptureError(kind: .open, path: interface, message: "libpcap has no selectable descriptor")
        }
        let nano = pcap_get_tstamp_precision(handle) == Int32(PCAP_TSTAMP_PRECISION_NANO)
        return Result(warnings: warnings, nanosecondTimestamps: nano, selectableDescriptor: descriptor)
    }

    private func installFilter() throws(CaptureError) {
        guard let expression = options.filter, !expression.isEmpty else { return }
        var program = bpf_program()
        guard pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw CaptureError(kind: .filter, path: interface, message: PcapText.lastError(handle))
        }
        defer { pcap_freecode(&program) }   // pcap_setfilter keeps its own copy
        guard pcap_setfilter(handle, &program) == 0 else {
            throw CaptureError(kind: .filter, path: interface, message: PcapText.lastError(handle))
        }
    }

    private func check(_ status: Int32, _ setting: String) throws(CaptureError) {
        guard status != 0 else { return }
        throw CaptureError(kind: .open, path: interface,
                           message: "cannot set \(setting): \(PcapText.status(status, handle: handle))")
    }
}
