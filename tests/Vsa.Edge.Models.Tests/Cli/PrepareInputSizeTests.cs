using Microsoft.Extensions.Time.Testing;
using Microsoft.ML.OnnxRuntime;
using Vsa.Edge.Contracts;
using Vsa.Edge.Models.Cli;
using Vsa.Edge.Models.Manifests;
using Vsa.Edge.Models.Onnx;
using Vsa.Edge.Models.Tests.Support;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Models.Tests.Cli;

/// <summary><c>vsa-model prepare --input-size … [--letterbox] [--dynamic-batch]</c>: NanoDet at another size, a model of its own.</summary>
public sealed class PrepareInputSizeTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Prepare_InputSize512x384DynamicBatch_OwnFolderBatchOfTwoEqualsTwoRuns()
    {
        var cache = new CachePaths(_temp.File("cache"));
        ToolAppTests.CopyStampedPackage(cache);

        Assert.Equal(0, await Run("prepare", "--cache", cache.Root, "--input-size", "512x384", "--dynamic-batch"));

        const string id = "nanodet-coco-512x384-batch";
        var manifestPath = Path.Combine(cache.Model(id), "manifest.json");
        var manifest = ModelManifestLoader.Load(manifestPath);
        Assert.Equal((id, 512, 384, ResizeMode.Stretch), (manifest.Id, manifest.Input.Width, manifest.Input.Height, manifest.Input.Resize));
        Assert.False(Directory.Exists(cache.Model(NanoDetManifest.Id)), "--input-size must leave the default model alone");
        var onnx = ModelManifestLoader.ModelPath(manifestPath, manifest);
        var summary = OnnxInspector.Inspect(onnx);
        Assert.Equal("input_1  float32  [batch,3,384,512]", Assert.Single(summary.Inputs).ToString());
        // Grids follow the input: 64 × 48, 32 × 24, 16 × 12 cells at strides 8, 16, 32.
        Assert.Equal(["[batch,3072,80]", "[batch,768,80]", "[batch,192,80]"], summary.Outputs.Where(o => o.Shape[^1] == "80").Select(o => $"[{string.Join(",", o.Shape)}]"));

        var first = DemoFrame.ToTensor(TestAssets.DemoClip, 100, manifest.Input);
        var second = DemoFrame.ToTensor(TestAssets.DemoClip, 300, manifest.Input);
        using var session = new InferenceSession(onnx);
        var one = Run(session, first, 1);
        var two = Run(session, second, 1);
        var both = Run(session, [.. first, .. second], 2);
        for (var o = 0; o < both.Count; o++)
        {
            Assert.Equal(one[o].Length + two[o].Length, both[o].Length);
            Assert.True(one[o].Concat(two[o]).Zip(both[o]).All(p => Math.Abs(p.First - p.Second) < 1e-4f), $"output {o}: batch of two differs from two runs");
        }

        // The rescaled model still sees the people of frame 100 (class 0 = person in every score output).
        var best = one.Where(v => v.Length % 80 == 0 && v.Length / 80 is 3072 or 768 or 192).Max(v => Enumerable.Range(0, v.Length / 80).Max(c => v[c * 80]));
        Assert.True(best > 0.5f, $"best person score {best} on a frame with people");
    }

    [Theory]
    [InlineData("500", "multiples of 32")]
    [InlineData("640x", "is not N or WxH")]
    [InlineData("0x416", "multiples of 32")]
    public async Task Prepare_BadInputSize_ExitsWithUsageNamingIt(string size, string message)
    {
        Assert.Equal(ToolApp.BadUsage, await Run("prepare", "--cache", _temp.File("cache"), "--input-size", size));

        Assert.Contains(message, _error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.File("cache")), "nothing is fetched for a bad command line");
    }

    [Fact]
    public async Task Prepare_DynamicBatchWithoutInputSize_ExitsWithUsage()
    {
        Assert.Equal(ToolApp.BadUsage, await Run("prepare", "--cache", _temp.File("cache"), "--dynamic-batch"));

        Assert.Contains("go with --input-size", _error.ToString(), StringComparison.Ordinal);
    }

    private static List<float[]> Run(InferenceSession session, float[] tensor, int batch)
    {
        var input = session.InputMetadata.Single();
        var dims = input.Value.Dimensions;
        using var value = OrtValue.CreateTensorValueFromMemory(tensor, [batch, 3, dims[2], dims[3]]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [input.Key], [value], session.OutputNames);
        return [.. outputs.Select(o => o.GetTensorDataAsSpan<float>().ToArray())];
    }

    private Task<int> Run(params string[] args) =>
        ToolApp.RunAsync(args, new ToolConsole(_out, _error, new FakeTimeProvider()), CancellationToken.None);
}
