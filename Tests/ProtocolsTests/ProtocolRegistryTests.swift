import Events
import Testing
@testable import Protocols

/// The two registries (`Dataset.all` for every process, `ProtocolModules.all`
/// for the decoder) describe the same protocols, and each dataset's columns
/// read fields its protocol writes.
@Suite struct ProtocolRegistryTests {
    @Test func everyDatasetHasOneModuleAndEveryModuleADataset() {
        let modules = ProtocolModules.all.map(\.dataset)
        #expect(modules.count == Set(modules).count, "a dataset with two modules: \(modules)")
        #expect(Set(modules) == Set(Dataset.all))
        #expect(Dataset.all.count == Set(Dataset.all.map(\.name)).count, "two datasets share a name")
        #expect(Dataset.all.count == Set(Dataset.all.map(\.code)).count, "two datasets share a wire code")
    }

    @Test func wireCodesNameTheirDatasetAndNothingElse() {
        for dataset in Dataset.all {
            #expect(Dataset.coded(dataset.code)?.name == dataset.name)
            #expect(Dataset.named(dataset.name)?.code == dataset.code)
        }
        let used = Set(Dataset.all.map(\.code))
        for code in UInt8.min ... UInt8.max where !used.contains(code) { #expect(Dataset.coded(code) == nil, "\(code)") }
        #expect(Dataset.named("DNS") == nil && Dataset.named("") == nil)
    }

    /// Today's codes are on the wire (records.v1) of running deployments: they never change.
    @Test func wireCodesAreStable() {
        #expect(Dataset.all.map { "\($0.name)=\($0.code)" } == ["dns=0", "http=1", "tls=2", "dhcp=3", "icmp=4"])
    }

    @Test func everyColumnReadsAFieldItsProtocolWrites() {
        for module in ProtocolModules.all {
            let written = Set(module.fieldNames)
            for column in module.dataset.columns {
                #expect(written.contains(column.field), "\(module.dataset.name)_events.\(column.name) reads \(column.field)")
            }
            let names = module.dataset.columns.map(\.name)
            #expect(names.count == Set(names).count, "\(module.dataset.table) repeats a column")
        }
    }

    @Test func optionsAreKeyedByEveryModule() throws {
        let config = ApplicationConfig()
        for module in ProtocolModules.all {
            #expect(config[module.dataset].enabled)
            #expect(config[module.dataset].ports == module.defaultPorts)
            let setting = try ProtocolOptionSetting("\(module.dataset.name).enabled=false")
            #expect(setting.dataset == module.dataset)
        }
        #expect(throws: ProtocolOptionSetting.Invalid.self) { try ProtocolOptionSetting("gopher.enabled=false") }
    }
}
