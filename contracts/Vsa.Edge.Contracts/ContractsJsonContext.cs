using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vsa.Edge.Contracts;

/// <summary>Source-generated JSON metadata for every contract: camelCase names, nulls omitted.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(AlertMessage))]
[JsonSerializable(typeof(HealthMessage))]
[JsonSerializable(typeof(StatusMessage))]
[JsonSerializable(typeof(DeviceEvent))]
[JsonSerializable(typeof(ModelManifest))]
[JsonSerializable(typeof(DesiredConfigMessage))]
[JsonSerializable(typeof(ReportedConfigMessage))]
[JsonSerializable(typeof(Signing.SignedMessage))]
[JsonSerializable(typeof(SuspensionStateMessage))]
[JsonSerializable(typeof(ModelPackages.ModelPackageMetadata))]
[JsonSerializable(typeof(CertificateRequestMessage))]
[JsonSerializable(typeof(CertificateIssuedMessage))]
[JsonSerializable(typeof(ModelReportedMessage))]
[JsonSerializable(typeof(ConfigProposalMessage))]
[JsonSerializable(typeof(InstallationReportMessage))]
[JsonSerializable(typeof(InstallationAcknowledgedMessage))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
