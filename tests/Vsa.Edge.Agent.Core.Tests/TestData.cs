using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests;

/// <summary>Small hand-built inputs shared by the suites.</summary>
internal static class TestData
{
    public const int Person = 0;
    public const int Bicycle = 1;
    public const int Car = 2;
    public const int Dog = 3;

    public const int Backpack = 4;
    public const int Handbag = 5;
    public const int Suitcase = 6;
    public const int Knife = 7;
    public const int Bat = 8;
    public const int Fire = 9;
    public const int Smoke = 10;

    public static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A manifest with four labels: person, bicycle, car, dog; categories person and vehicle (no dog).</summary>
    public static ModelManifest Manifest(DecoderKind decoder = DecoderKind.NanoDetGfl, int width = 416, int height = 416, IReadOnlyList<int>? strides = null) => new(
        ModelManifest.SchemaId,
        ModelManifest.CurrentVersion,
        "test-model",
        "1.2.3",
        "model.onnx",
        new string('0', 64),
        null,
        new ModelInput("input", TensorLayout.Nchw, width, height, ColorOrder.Bgr, [0f, 0f, 0f], [1f, 1f, 1f], ResizeMode.Stretch),
        new ModelOutput(decoder, 0.5f, 0.6f, strides ?? [8, 16, 32], 10),
        ["person", "bicycle", "car", "dog"],
        new Dictionary<string, IReadOnlyList<string>>
        {
            ["person"] = ["person"],
            ["vehicle"] = ["bicycle", "car"],
        });

    /// <summary>
    /// A manifest like the real COCO one for the eight events: person, bicycle, car, dog, backpack, handbag, suitcase,
    /// knife, baseball bat (and fire, smoke with a fire category when <paramref name="fire"/>).
    /// </summary>
    public static ModelManifest FullManifest(bool fire = false)
    {
        var categories = new Dictionary<string, IReadOnlyList<string>>
        {
            ["person"] = ["person"],
            ["vehicle"] = ["bicycle", "car"],
            ["bag"] = ["backpack", "handbag", "suitcase"],
            ["weapon"] = ["knife", "baseball bat"],
        };
        if (fire)
        {
            categories["fire"] = ["fire", "smoke"];
        }

        return Manifest() with
        {
            Labels = ["person", "bicycle", "car", "dog", "backpack", "handbag", "suitcase", "knife", "baseball bat", "fire", "smoke"],
            Categories = categories,
        };
    }

    /// <summary>A track in a given state, as the tracker would hand it to the rules.</summary>
    public static Track Track(int id, NormBox box, int classId = Person, float score = 0.9f, TrackState state = TrackState.Confirmed) =>
        new() { Id = id, Box = box, ClassId = classId, Score = score, State = state, FirstSeen = T0, LastSeen = T0, Hits = 5 };

    /// <summary>A 0.1 × 0.2 box whose bottom-centre is (x, y).</summary>
    public static NormBox Feet(float x, float y) => new(x - 0.05f, y - 0.2f, 0.1f, 0.2f);

    /// <summary>A box of the given size whose bottom-centre is (x, y).</summary>
    public static NormBox Base(float x, float y, float width, float height) => new(x - (width / 2), y - height, width, height);

    public static DateTimeOffset At(double seconds) => T0 + TimeSpan.FromSeconds(seconds);
}
