using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Tests.Platform;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Inference;

public sealed class TensorRtSettingsTests
{
    private static readonly ModelManifest Manifest = ModelPackage.Load(TestAssets.NanoDetDirectory).Manifest with
    {
        Id = "nanodet-coco",
        Sha256 = "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
    };

    [Fact]
    public void Build_Defaults_SetsFp16CachesWorkspaceAndOptimisationLevel()
    {
        var options = new InferenceOptions { TensorRtCacheDirectory = "/var/cache/vsa/tensorrt" };

        var settings = TensorRtSettings.Build(options, Manifest, "1.31.1", new TensorRtTarget("10.3.0", "libnvinfer", "NVIDIA Jetson Orin Nano Developer Kit"));

        Assert.Equal("/var/cache/vsa/tensorrt/nanodet-coco-abcdef012345/ort1.31.1-trt10.3.0-nvidia-jetson-orin-nano-developer-kit", settings.EngineCacheDirectory);
        Assert.Equal("/var/cache/vsa/tensorrt/timing/trt10.3.0-nvidia-jetson-orin-nano-developer-kit", settings.TimingCacheDirectory);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["device_id"] = "0",
                ["trt_fp16_enable"] = "1",
                ["trt_engine_cache_enable"] = "1",
                ["trt_engine_cache_path"] = settings.EngineCacheDirectory,
                ["trt_timing_cache_enable"] = "1",
                ["trt_timing_cache_path"] = settings.TimingCacheDirectory,
                ["trt_max_workspace_size"] = "1073741824",
                ["trt_builder_optimization_level"] = "3",
            },
            settings.ProviderOptions);
    }

    [Fact]
    public void Build_ConfiguredLimits_AreWrittenAsConfigured()
    {
        var options = new InferenceOptions { TensorRtFp16 = false, TensorRtTimingCache = false, TensorRtMaxWorkspaceBytes = 256L << 20, TensorRtBuilderOptimizationLevel = 5, DeviceId = 1 };

        var trt = TensorRtSettings.Build(options, Manifest, "1.31.1", new TensorRtTarget("10.3.0", "config", "NVIDIA H200")).ProviderOptions;

        Assert.Equal("0", trt["trt_fp16_enable"]);
        Assert.Equal("0", trt["trt_timing_cache_enable"]);
        Assert.Equal("268435456", trt["trt_max_workspace_size"]);
        Assert.Equal("5", trt["trt_builder_optimization_level"]);
        Assert.Equal("1", trt["device_id"]);
    }

    [Fact]
    public void Build_AnyKeyChanges_GivesAnotherEngineFolder()
    {
        var options = new InferenceOptions();
        var target = new TensorRtTarget("10.3.0", "libnvinfer", "Orin");
        var baseline = TensorRtSettings.Build(options, Manifest, "1.31.1", target).EngineCacheDirectory;

        string[] variants =
        [
            TensorRtSettings.Build(options, Manifest with { Sha256 = "ffff" + Manifest.Sha256[4..] }, "1.31.1", target).EngineCacheDirectory,
            TensorRtSettings.Build(options, Manifest, "1.31.0", target).EngineCacheDirectory,
            TensorRtSettings.Build(options, Manifest, "1.31.1", target with { TensorRtVersion = "10.7.0" }).EngineCacheDirectory,
            TensorRtSettings.Build(options, Manifest, "1.31.1", target with { GpuName = "Xavier" }).EngineCacheDirectory,
        ];

        Assert.Equal(5, variants.Append(baseline).Distinct().Count());
    }

    [Fact]
    public void Slug_LongNamesSharingAPrefix_StayDistinctAndShort()
    {
        var a = TensorRtSettings.Slug("NVIDIA Jetson Orin Nano Engineering Reference Developer Kit");
        var b = TensorRtSettings.Slug("NVIDIA Jetson Orin Nano Engineering Reference Developer Kit Super");

        Assert.NotEqual(a, b);
        Assert.True(a.Length <= 48 && b.Length <= 48);
        Assert.Matches("^[a-z0-9.-]+$", b);
        Assert.Equal("unknown", TensorRtSettings.Slug("///"));
    }

    [Fact]
    public void Detect_LibraryLoads_PrefersItOverConfigAndEnvironment()
    {
        var target = TensorRtTarget.Detect(new InferenceOptions { TensorRtVersion = "8.6.2" }, FakeHostFiles.Jetson(), () => "10.3.0", _ => "9.0.0");

        Assert.Equal(("10.3.0", "libnvinfer"), (target.TensorRtVersion, target.TensorRtVersionSource));
        Assert.Equal("NVIDIA Jetson Orin Nano Engineering Reference Developer Kit Super", target.GpuName);
    }

    [Theory]
    [InlineData("8.6.2", "9.0.0", "8.6.2", "config")]
    [InlineData(null, "9.0.0", "9.0.0", "env")]
    [InlineData(null, null, null, "unknown")]
    public void Detect_NoLibrary_FallsBackOnConfigThenEnvironment(string? configured, string? env, string? expected, string source)
    {
        var target = TensorRtTarget.Detect(
            new InferenceOptions { TensorRtVersion = configured }, new FakeHostFiles(), () => null, name => name == TensorRtTarget.VersionVariable ? env : null);

        Assert.Equal((expected, source), (target.TensorRtVersion, target.TensorRtVersionSource));
        Assert.Null(target.GpuName);
    }
}
