using System.Text.Json;
using System.Text.Json.Serialization;
using Vsa.Edge.Configuration.Geometry;

namespace Vsa.Edge.Benchmarks.Counting;

/// <summary>
/// People counted by eye in one zone of the demo clip on chosen frames (<c>tests/Vsa.Edge.Agent.Tests/Data/vtest-counts.json</c>;
/// how they were counted is in that folder's README).
/// </summary>
public sealed record HandCounts(string Zone, double[][] Polygon, IReadOnlyList<HandCount> Frames)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip };

    /// <summary>The zone as the agent's geometry.</summary>
    public Polygon Shape => new([.. Polygon.Select(p => new PointF((float)p[0], (float)p[1]))]);

    public static HandCounts Load(string path) =>
        JsonSerializer.Deserialize<HandCounts>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty");
}

/// <summary>One counted frame: the number of people whose feet are in the zone; <c>Borderline</c> when one of them stands on its edge.</summary>
public sealed record HandCount(int Frame, int Count, [property: JsonPropertyName("borderline")] bool Borderline = false);
