using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vsa.Edge.Agent.Setup;

/// <summary>What the page loads first: the document, the model's labels and categories, the frame size.</summary>
internal sealed record StateResponse(
    string CameraId,
    JsonElement Document,
    IReadOnlyList<string> EventTypes,
    IReadOnlyList<string> Categories,
    int Width,
    int Height,
    CalibrationReport? Calibration,
    string? Status);

/// <summary>The validator's answer to an edit: ok, or every problem with its field path.</summary>
internal sealed record DraftResponse(bool Ok, IReadOnlyList<string> Errors, CalibrationReport? Calibration);

/// <summary>Where a save wrote the document, or why it could not.</summary>
internal sealed record SaveResponse(bool Ok, IReadOnlyList<string> Paths, IReadOnlyList<string> Errors);

/// <summary>Source-generated JSON for the set-up page's API (camelCase).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StateResponse))]
[JsonSerializable(typeof(DraftResponse))]
[JsonSerializable(typeof(SaveResponse))]
[JsonSerializable(typeof(LiveSnapshot))]
internal sealed partial class SetupJsonContext : JsonSerializerContext;
