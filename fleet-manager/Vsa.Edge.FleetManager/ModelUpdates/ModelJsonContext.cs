using System.Text.Json;
using System.Text.Json.Serialization;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.ModelUpdates;

/// <summary>Source-generated JSON of the model delivery API (camelCase, enums by their wire names).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ModelPackageView))]
[JsonSerializable(typeof(IReadOnlyList<ModelPackageView>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(ModelAssignmentRequest))]
[JsonSerializable(typeof(ModelAssignment))]
[JsonSerializable(typeof(DeviceModelsView))]
[JsonSerializable(typeof(ModelReportedMessage))]
public sealed partial class ModelJsonContext : JsonSerializerContext;
