import Configurations
import Decoder
@testable import NetSiftDecoder
import Protocols
import Testing

@Suite struct DecoderSettingsTests {
    @Test func theSettingsBecomeTheServersConfiguration() throws {
        var configuration = DecoderConfiguration()
        configuration.eventsEndpoint = "ipc:///run/events"
        configuration.batchPackets = 100
        configuration.maxUnackedBatches = 4
        configuration.flowTimeoutSeconds = 5
        configuration.flowPeriodSeconds = -1
        configuration.maxFlows = 1000
        let server = try DecoderServer.Configuration(configuration)
        #expect(server.framesEndpoint == configuration.framesEndpoint)
        #expect(server.eventsEndpoint == "ipc:///run/events")
        #expect(server.limits.packets == 100)
        #expect(server.maxUnacked == 4)
        #expect(server.decoder.flows.timeout == 5_000_000_000)
        #expect(server.decoder.flows.period == nil, "-1 turns periodic reports off")
        #expect(server.decoder.flows.maxFlows == 1000)
        #expect(server.decoder.application == ApplicationConfig())
    }

    @Test func l7OffLeavesNoApplicationLayer() throws {
        var configuration = DecoderConfiguration()
        configuration.l7 = false
        configuration.extraSettings = ["dns_ports": "not ports"]
        #expect(try DecoderServer.Configuration(configuration).decoder.application == nil)
    }

    @Test func protocolOptionsApplyToTheirProtocol() throws {
        var configuration = DecoderConfiguration()
        configuration.l7Sniffing = false
        configuration.extraSettings = ["tls_ports": "8443", "dns_send_request": "true", "http_enabled": "false",
                                       "dns_tags": "lab,resolver"]
        let application = try #require(try DecoderServer.Configuration(configuration).decoder.application)
        #expect(!application.sniffing)
        #expect(application[.tls].ports == [8443])
        #expect(application[.dns].sendRequest)
        #expect(application[.dns].tags == ["lab", "resolver"])
        #expect(!application[.http].enabled)
        #expect(application[.dhcp] == ApplicationConfig()[.dhcp])
    }

    @Test func aBadOptionNamesItsSetting() {
        var configuration = DecoderConfiguration()
        configuration.extraSettings = ["http_ports": "80,eighty"]
        let error = #expect(throws: ProtocolOptionError.self) { try DecoderServer.Configuration(configuration) }
        #expect(error?.description.hasPrefix("setting http_ports: ") == true)
    }

    @Test func everyProtocolHasEveryOption() {
        #expect(ApplicationConfig.settingKeys.count == ProtocolModules.all.count * ProtocolOptionSetting.keys.count)
        #expect(ApplicationConfig.settingKeys.contains("dns_transaction_timeout"))
        #expect(ApplicationConfig.settingKeys.isDisjoint(with: DecoderConfiguration.keys))
    }
}
