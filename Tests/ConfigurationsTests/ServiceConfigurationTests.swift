import Capture
import Configurations
import Flows
import Testing

@Suite struct ServiceConfigurationsTests {
    @Test func everySettingSurvivesBeingWrittenAndReadAgain() throws {
        var storage = StorageConfiguration()
        storage.databaseURL = "host=/tmp dbname=netsift"
        storage.abandonAfterSeconds = 0
        storage.logLevel = .debug
        var decoder = DecoderConfiguration()
        decoder.eventsEndpoint = "ipc:///run/events"
        decoder.flowPeriodSeconds = -1
        decoder.l7 = false
        var search = SearchConfiguration()
        search.deploymentID = "d-1"
        search.searchTTLHours = 0
        var sensor = SensorConfiguration()
        sensor.decoders = ["ipc:///a", "ipc:///b"]
        sensor.interface = "eth0"
        sensor.promiscuous = false
        var gateway = GatewayConfiguration()
        gateway.deploymentID = "d-2"
        gateway.exportsDirectory = "/srv/exports"
        gateway.exportsMaxAgeHours = 0
        gateway.logLevel = .warning
        #expect(try StorageConfiguration(settingTexts: storage.settingTexts) == storage)
        #expect(try DecoderConfiguration(settingTexts: decoder.settingTexts) == decoder)
        #expect(try SearchConfiguration(settingTexts: search.settingTexts) == search)
        #expect(try SensorConfiguration(settingTexts: sensor.settingTexts) == sensor)
        #expect(try GatewayConfiguration(settingTexts: gateway.settingTexts) == gateway)
    }

    @Test func textsAreWhatAFileHolds() {
        let texts = SensorConfiguration().settingTexts
        #expect(texts["decoders"] == "tcp://127.0.0.1:47310")
        #expect(texts["metrics_port"] == "47304")
        #expect(texts["promiscuous"] == "true")
        #expect(texts["log_level"] == "info")
        #expect(texts["interface"] == nil, "a setting without a value is left out")
        #expect(Set(texts.keys).isSubset(of: Set(SensorConfiguration.keys)))
    }

    @Test func aMissingKeyTakesItsDefaultAndABadValueNamesKeyTextAndType() throws {
        #expect(try SearchConfiguration(settingTexts: [:]) == SearchConfiguration())
        #expect(try SearchConfiguration(settingTexts: ["workers": "5"]).workers == 5)
        let error = #expect(throws: InvalidSetting.self) {
            try SearchConfiguration(settingTexts: ["search_runners": "two"])
        }
        #expect(error == InvalidSetting(key: "search_runners", text: "two", expected: "an integer"))
    }

    @Test func keysAreTodaysAndTheEnvironmentPrefixFollowsTheService() {
        #expect(StorageConfiguration.keys == [
            "deployment_id", "database_url", "pcap_root", "records_endpoint", "control_endpoint", "acks_endpoint",
            "reads_endpoint", "read_workers", "metrics_port", "log_level", "commit_workers", "abandon_after_seconds",
        ])
        #expect(Set(DecoderConfiguration.keys) == [
            "deployment_id", "frames_endpoint", "records_endpoint", "acks_endpoint", "events_endpoint", "metrics_port",
            "log_level", "batch_packets", "flow_timeout_seconds", "flow_period_seconds", "max_flows",
            "max_unacked_batches", "l7", "l7_sniffing",
        ])
        #expect(Set(SearchConfiguration.keys) == [
            "deployment_id", "database_url", "pcap_root", "endpoint", "workers", "metrics_port", "log_level", "search_runners",
            "search_timeout_seconds", "hunt_interval_seconds", "searches_per_key", "search_max_results",
            "search_ttl_hours",
        ])
        #expect(Set(SensorConfiguration.keys) == [
            "deployment_id", "decoders", "control_endpoint", "acks_endpoint", "identity_file", "sensor_name",
            "metrics_port", "log_level", "interface", "pcap", "bpf", "snaplen", "promiscuous", "buffer_mb",
            "immediate", "count",
        ])
        #expect(Set(GatewayConfiguration.keys) == [
            "deployment_id", "host", "port", "search_endpoint", "reads_endpoint", "log_level", "exports_dir",
            "exports_min_free_mb", "exports_max_age_hours", "downloads_per_key", "downloads_total",
            "header_timeout_seconds", "idle_timeout_seconds",
        ])
        #expect(StorageConfiguration.environmentPrefix == "NETSIFT_STORAGE_")
        #expect(GatewayConfiguration.environmentPrefix == "NETSIFT_GATEWAY_")
        #expect(SensorConfiguration.environmentPrefix == "NETSIFT_SENSOR_")
    }

    /// The defaults the engines keep for themselves (tests, `netsift dump`) are the services' defaults.
    @Test func defaultsAgreeWithTheEngines() {
        #expect(DecoderConfiguration().maxFlows == FlowConfig().maxFlows)
        #expect(Int64(DecoderConfiguration().flowTimeoutSeconds) * FlowConfig.second == FlowConfig().timeout)
        #expect(Int64(DecoderConfiguration().flowPeriodSeconds) * FlowConfig.second == FlowConfig().period)
        let capture = LiveCaptureOptions()
        let sensor = SensorConfiguration()
        #expect(sensor.snaplen == capture.snapLength)
        #expect(sensor.promiscuous == capture.promiscuous)
        #expect(sensor.bufferMB << 20 == capture.bufferBytes)
        #expect(sensor.immediate == capture.immediate)
    }
}
