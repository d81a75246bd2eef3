using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.Models.Cli;
using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Fetch;
using Vsa.Edge.Models.Manifests;
using Vsa.Edge.Models.Tests.Support;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Models.Tests.Cli;

public sealed class ToolAppTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Inspect_ConvertedNanoDet_PrintsRealInputNameAndShape()
    {
        var onnx = _temp.File("nanodet.onnx");
        ModelConversion.ConvertFile(Path.Combine(TestAssets.HumanModelsPackage, NanoDetManifest.GraphPath), onnx);

        var code = await Run("inspect", onnx);

        Assert.Equal(0, code);
        var text = _out.ToString();
        Assert.Contains("input_1  float32  [1,3,416,416]", text, StringComparison.Ordinal);
        Assert.Contains("[1,2704,80]", text, StringComparison.Ordinal);
        Assert.Contains("[1,169,44]", text, StringComparison.Ordinal);
        Assert.Contains("ai.onnx 13", text, StringComparison.Ordinal);
        Assert.Contains("vsa-model", text, StringComparison.Ordinal);
        Assert.Matches(@"nodes\s+\d+ \(Conv 34,", text);
    }

    [Fact]
    public async Task Inspect_MissingFile_FailsWithClearError()
    {
        var code = await Run("inspect", _temp.File("nope.onnx"));

        Assert.Equal(ToolApp.Failed, code);
        Assert.Contains("not found", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_TextFile_SaysNotOnnx()
    {
        var path = _temp.File("model.onnx");
        await File.WriteAllTextAsync(path, "this is not a model\n");

        var code = await Run("inspect", path);

        Assert.Equal(ToolApp.Failed, code);
        Assert.Contains("not an ONNX model", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownCommand_ExitsWithUsage()
    {
        Assert.Equal(ToolApp.BadUsage, await Run("frobnicate"));
        Assert.Contains("'frobnicate'", _error.ToString(), StringComparison.Ordinal);
        Assert.Contains("--help'", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_CommandHelp_PrintsItsOptionsWithBoundsAndDefaults()
    {
        Assert.Equal(0, await Run("pack", "--help"));

        var help = _out.ToString();
        Assert.Contains("--model", help, StringComparison.Ordinal);
        Assert.Contains("--frames", help, StringComparison.Ordinal);
        Assert.Contains("[1–64] [default: 8]", help, StringComparison.Ordinal);
        Assert.Empty(_error.ToString());
    }

    [Fact]
    public async Task Convert_MissingOption_ExitsWithUsageNamingIt()
    {
        Assert.Equal(ToolApp.BadUsage, await Run("convert", "--graph", "x.json"));
        Assert.Contains("'--out' is required", _error.ToString(), StringComparison.Ordinal);
        Assert.Contains("convert --help'", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_UnknownOption_ExitsWithUsage()
    {
        Assert.Equal(ToolApp.BadUsage, await Run("convert", "--graph", "x.json", "--out", "y.onnx", "--fp16"));
        Assert.Contains("'--fp16'", _error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Convert_MissingGraph_FailsNamingTheFile(bool equalsForm)
    {
        var missing = _temp.File("missing.json");
        var output = _temp.File("x.onnx");
        string[] args = equalsForm ? ["convert", $"--graph={missing}", $"--out={output}"] : ["convert", "--graph", missing, "--out", output];

        Assert.Equal(ToolApp.Failed, await Run(args));
        Assert.StartsWith($"error: TensorFlow.js model not found: {missing}", _error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--frames=0", "'--frames' must be an integer in [1, 64], not '0'")]
    [InlineData("--min-iou=2", "'--min-iou' must be a number in [0.01, 1], not '2'")]
    [InlineData("--expires-days=ten", "'--expires-days' must be an integer in [1, 3650], not 'ten'")]
    public async Task Pack_ValueOutOfBounds_ExitsWithUsageNamingItBeforeReadingAnything(string option, string message)
    {
        var output = _temp.File("p.vsamodel");

        Assert.Equal(ToolApp.BadUsage, await Run("pack", "--model", _temp.File("missing-model"), "--version", "2.0.0", "--out", output, option));

        Assert.Contains(message, _error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Prepare_TwiceThenTampered_ConvertsThenUpToDateThenRebuildsOnlyTheTamperedModel()
    {
        var cache = new CachePaths(_temp.File("cache"));
        CopyStampedPackage(cache);

        Assert.Equal(0, await Run("prepare", "--cache", cache.Root));
        var manifestPath = Path.Combine(cache.Model(NanoDetManifest.Id), "manifest.json");
        var manifest = ModelManifestLoader.Load(manifestPath);
        Assert.Equal("input_1", manifest.Input.Name);
        var poseManifestPath = Path.Combine(cache.Model(MoveNetManifest.Id), "manifest.json");
        var pose = ModelManifestLoader.Load(poseManifestPath);
        Assert.Equal(DecoderKind.MoveNetSinglePose, pose.Output.Decoder);
        Assert.Equal(MoveNetManifest.FileName, pose.File);
        Assert.Equal(2, CountOf("converting"));

        _out.GetStringBuilder().Clear();
        Assert.Equal(0, await Run("prepare", "--cache", cache.Root));
        Assert.Contains($"{NanoDetManifest.Id} {NanoDetManifest.Version}: up to date", _out.ToString(), StringComparison.Ordinal);
        Assert.Contains($"{MoveNetManifest.Id} {MoveNetManifest.Version}: up to date", _out.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("converting", _out.ToString(), StringComparison.Ordinal);

        var onnx = ModelManifestLoader.ModelPath(manifestPath, manifest);
        await File.AppendAllTextAsync(onnx, "x");
        _out.GetStringBuilder().Clear();
        Assert.Equal(0, await Run("prepare", "--cache", cache.Root));
        Assert.Contains($"{NanoDetManifest.Id}: existing manifest rejected", _out.ToString(), StringComparison.Ordinal);
        Assert.Contains($"{MoveNetManifest.Id} {MoveNetManifest.Version}: up to date", _out.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, CountOf("converting"));
        Assert.Equal(manifest.Sha256, ModelManifestLoader.Load(manifestPath).Sha256);
        Assert.Equal(pose.Sha256, ModelManifestLoader.Load(poseManifestPath).Sha256);
    }

    [Fact]
    public async Task Manifest_MoveNetModel_ChecksInt32NhwcInputAndWritesPoseManifest()
    {
        var onnx = _temp.File(MoveNetManifest.FileName);
        ModelConversion.ConvertFile(Path.Combine(TestAssets.HumanModelsPackage, MoveNetManifest.GraphPath), onnx);
        var manifestPath = _temp.File("manifest.json");

        Assert.Equal(ToolApp.Failed, await Run("manifest", "--onnx", onnx, "--out", manifestPath));
        Assert.Contains("input  int32  [1,192,192,3]", _error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(manifestPath));

        Assert.Equal(0, await Run("manifest", "--model", MoveNetManifest.Id, "--onnx", onnx, "--out", manifestPath));
        var manifest = ModelManifestLoader.Load(manifestPath);
        Assert.Equal(MoveNetManifest.Id, manifest.Id);
        Assert.Equal(17, manifest.Labels.Count);
    }

    [Fact]
    public async Task Manifest_UnknownModel_ExitsWithUsageListingModels()
    {
        Assert.Equal(ToolApp.BadUsage, await Run("manifest", "--model", "blazepose", "--onnx", "x.onnx", "--out", "m.json"));
        Assert.Contains("nanodet-coco, movenet-lightning", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Manifest_OutsideTheOnnxFolder_IsRefused()
    {
        var onnx = _temp.File("nanodet.onnx");
        await File.WriteAllBytesAsync(onnx, [0]);

        Assert.Equal(ToolApp.BadUsage, await Run("manifest", "--onnx", onnx, "--out", Path.Combine(_temp.Path, "sub", "manifest.json")));
        Assert.Contains("next to the ONNX file", _error.ToString(), StringComparison.Ordinal);
        Assert.EndsWith($" manifest --help'{Environment.NewLine}", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultRoot_FollowsVsaCacheThenXdgThenHome()
    {
        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "vsa-edge");

        Assert.Equal("/v", CachePaths.DefaultRoot(n => n switch { "VSA_CACHE" => "/v", "XDG_CACHE_HOME" => "/x", _ => null }));
        Assert.Equal(Path.Combine("/x", "vsa-edge"), CachePaths.DefaultRoot(n => n == "XDG_CACHE_HOME" ? "/x" : null));
        Assert.Equal(home, CachePaths.DefaultRoot(_ => null));
        Assert.Equal(TestAssets.CacheRoot, CachePaths.DefaultRoot());
    }

    private int CountOf(string text) => _out.ToString().Split(text).Length - 1;

    private Task<int> Run(params string[] args) =>
        ToolApp.RunAsync(args, new ToolConsole(_out, _error, new FakeTimeProvider()), CancellationToken.None);

    /// <summary>The real extracted package with its fetch stamp, so prepare runs offline against a private cache.</summary>
    internal static void CopyStampedPackage(CachePaths cache)
    {
        var source = Path.GetDirectoryName(TestAssets.HumanModelsPackage)!;
        Assert.True(File.Exists(Path.Combine(source, PackageFetcher.StampFileName)),
            $"{source} has no fetch stamp; run `./vsa model prepare` (vsa-model prepare) first.");
        var target = cache.NpmPackage(HumanModelsPackage.Spec.FolderName);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
    }
}
