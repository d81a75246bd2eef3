using System.Text.Json;
using System.Text.Json.Serialization;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Ingestion;

namespace Vsa.Edge.FleetManager.Api;

/// <summary>Source-generated JSON for the fleet manager's API and live events (camelCase, enums as their wire names).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AlertView))]
[JsonSerializable(typeof(IReadOnlyList<AlertView>))]
[JsonSerializable(typeof(IReadOnlyList<AlertObject>))]
[JsonSerializable(typeof(DeviceView))]
[JsonSerializable(typeof(IReadOnlyList<DeviceView>))]
[JsonSerializable(typeof(IngestionSnapshot))]
[JsonSerializable(typeof(IngestionStatus))]
public sealed partial class FleetJsonContext : JsonSerializerContext;
