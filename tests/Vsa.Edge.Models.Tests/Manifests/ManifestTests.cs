using Vsa.Edge.Contracts;
using Vsa.Edge.Models.Manifests;
using Vsa.Edge.Models.Tests.Support;

namespace Vsa.Edge.Models.Tests.Manifests;

public sealed class ManifestTests
{
    private static readonly string FakeSha = new('a', 64);

    [Fact]
    public void ToJson_NanoDetManifest_RoundTripsThroughLoader()
    {
        var manifest = NanoDetManifest.Create(FakeSha);

        var json = ManifestFile.ToJson(manifest);
        var read = ModelManifestLoader.Parse(json, "test");

        Assert.Equal(json, ManifestFile.ToJson(read));
        Assert.Equal(80, read.Labels.Count);
        Assert.Equal("person", read.Labels[0]);
        Assert.Equal("toothbrush", read.Labels[79]);
        Assert.Equal(["knife", "baseball bat"], read.Categories["weapon"]);
        Assert.Equal("input_1", read.Input.Name);
        Assert.Equal(DecoderKind.NanoDetGfl, read.Output.Decoder);
        Assert.Contains("\"layout\": \"NCHW\"", json, StringComparison.Ordinal);
        Assert.Contains("\"decoder\": \"nanodet-gfl\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_MoveNetManifest_RoundTripsWithPoseDecoderAndKeypointLabels()
    {
        var manifest = MoveNetManifest.Create(FakeSha);

        var json = ManifestFile.ToJson(manifest);
        var read = ModelManifestLoader.Parse(json, "test");

        Assert.Equal(json, ManifestFile.ToJson(read));
        Assert.Equal(DecoderKind.MoveNetSinglePose, read.Output.Decoder);
        Assert.Contains("\"decoder\": \"movenet-singlepose\"", json, StringComparison.Ordinal);
        Assert.Contains("\"layout\": \"NHWC\"", json, StringComparison.Ordinal);
        Assert.Contains("\"colorOrder\": \"RGB\"", json, StringComparison.Ordinal);
        Assert.Equal(("movenet-lightning", "input", 192, 192), (read.Id, read.Input.Name, read.Input.Width, read.Input.Height));
        Assert.Equal([0f, 0f, 0f], read.Input.Mean);
        Assert.Equal([1f, 1f, 1f], read.Input.Std);
        Assert.Equal(17, read.Labels.Distinct().Count());
        Assert.Equal(["nose", "left_eye"], read.Labels.Take(2));
        Assert.Equal("right_ankle", read.Labels[16]);
        Assert.Empty(read.Categories);
    }

    [Fact]
    public void CocoLabels_EveryCategoryLabel_IsACocoLabel()
    {
        Assert.Equal(80, NanoDetManifest.CocoLabels.Distinct().Count());
        Assert.All(NanoDetManifest.Categories.Values.SelectMany(v => v), l => Assert.Contains(l, NanoDetManifest.CocoLabels));
    }

    [Theory]
    [InlineData("\"schema\": \"vsa.model-manifest\"", "\"schema\": \"other\"", "schema")]
    [InlineData("\"schemaVersion\": 1", "\"schemaVersion\": 2", "schemaVersion")]
    [InlineData("\"file\": \"nanodet.onnx\"", "\"file\": \"../../etc/passwd\"", "file")]
    [InlineData("\"scoreThreshold\": 0.5", "\"scoreThreshold\": 1.5", "output.scoreThreshold")]
    [InlineData("\"regMax\": 10", "\"regMax\": 0", "output.regMax")]
    [InlineData("\"decoder\": \"nanodet-gfl\"", "\"decoder\": \"ssd\"", "output.decoder")]
    [InlineData("\"width\": 416", "\"width\": 0", "input.width")]
    public void Parse_InvalidField_ErrorNamesTheField(string original, string replacement, string field)
    {
        var json = ManifestFile.ToJson(NanoDetManifest.Create(FakeSha));
        Assert.Contains(original, json, StringComparison.Ordinal);

        var error = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Parse(json.Replace(original, replacement, StringComparison.Ordinal), "m.json"));

        Assert.Equal(field, error.Field);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EmptyLabels_ErrorNamesLabels()
    {
        var manifest = NanoDetManifest.Create(FakeSha) with { Labels = [], Categories = new Dictionary<string, IReadOnlyList<string>>() };

        var error = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Parse(ManifestFile.ToJson(manifest), "m.json"));

        Assert.Equal("labels", error.Field);
    }

    [Fact]
    public void Parse_CategoryWithUnknownLabel_ErrorNamesTheCategory()
    {
        var manifest = NanoDetManifest.Create(FakeSha) with
        {
            Categories = new Dictionary<string, IReadOnlyList<string>> { ["weapon"] = ["knife", "sword"] },
        };

        var error = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Parse(ManifestFile.ToJson(manifest), "m.json"));

        Assert.Equal("categories.weapon", error.Field);
        Assert.Contains("'sword'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NotJson_ErrorSaysJson()
    {
        var error = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Parse("{ not json", "m.json"));

        Assert.Contains("cannot be read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ModelFileChanged_ErrorNamesSha256()
    {
        using var temp = new TempDirectory();
        var model = temp.File("nanodet.onnx");
        File.WriteAllBytes(model, [1, 2, 3]);
        var manifestPath = temp.File("manifest.json");
        ManifestFile.Write(NanoDetManifest.Create(ModelManifestLoader.ComputeSha256(model)), manifestPath);
        Assert.Equal(NanoDetManifest.Id, ModelManifestLoader.Load(manifestPath).Id);

        File.WriteAllBytes(model, [1, 2, 4]);
        var error = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Load(manifestPath));

        Assert.Equal("sha256", error.Field);
        Assert.Contains("'sha256'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ModelFileMissing_ErrorNamesFile()
    {
        using var temp = new TempDirectory();
        var manifestPath = temp.File("manifest.json");
        ManifestFile.Write(NanoDetManifest.Create(FakeSha), manifestPath);

        var error = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Load(manifestPath));

        Assert.Equal("file", error.Field);
    }
}
