using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Inference;

public sealed class DetectorModelTests
{
    [Fact]
    public void Load_TensorRtCudaCpuOnMachineWithoutGpu_FallsBackToCpu()
    {
        using var logs = new RecordingLoggerProvider();
        using var factory = logs.CreateFactory();
        var options = new InferenceOptions
        {
            ModelDirectory = TestAssets.NanoDetDirectory,
            ExecutionProviders = ["TensorRT", "CUDA", "CPU"],
            TensorRtCacheDirectory = Path.Combine(Path.GetTempPath(), "vsa-trt-test"),
        };

        using var model = DetectorModel.Load(options, factory.CreateLogger("test"));

        Assert.Equal("CPU", model.ExecutionProvider);
        var fallbacks = logs.Entries.Where(e => e.EventId == 2001).Select(e => e.Message).ToList();
        Assert.Contains(fallbacks, m => m.Contains("TensorRT", StringComparison.Ordinal));
        Assert.Contains(fallbacks, m => m.Contains("CUDA", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.EventId == 2002 && e.Message.Contains("CPU", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_GpuProvidersOnlyOnMachineWithoutGpu_FailsNamingEachProvider()
    {
        var options = new InferenceOptions { ModelDirectory = TestAssets.NanoDetDirectory, ExecutionProviders = ["CUDA"] };

        var ex = Assert.Throws<ModelException>(() => DetectorModel.Load(options, NullLogger.Instance));

        Assert.Contains("CUDA", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownProviderName_IsRejected()
    {
        var options = new InferenceOptions { ModelDirectory = TestAssets.NanoDetDirectory, ExecutionProviders = ["TensorRT", "OpenVINO", "CPU"] };

        var result = new InferenceOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("OpenVINO", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void AddInference_UnknownProviderInConfiguration_FailsValidation()
    {
        using var provider = Services(new Dictionary<string, string?>
        {
            ["Inference:ModelDirectory"] = TestAssets.NanoDetDirectory,
            ["Inference:ExecutionProviders:0"] = "CPU",
            ["Inference:ExecutionProviders:1"] = "Vulkan",
        });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<InferenceOptions>>().Value);

        Assert.Contains(ex.Failures, f => f.Contains("Vulkan", StringComparison.Ordinal));
    }

    [Fact]
    public void AddInference_ProviderListInConfiguration_ReplacesTheDefaultList()
    {
        using var provider = Services(new Dictionary<string, string?>
        {
            ["Inference:ModelDirectory"] = TestAssets.NanoDetDirectory,
            ["Inference:ExecutionProviders:0"] = "CPU",
        });

        var options = provider.GetRequiredService<IOptions<InferenceOptions>>().Value;

        Assert.Equal(["CPU"], options.ExecutionProviders);
    }

    [Fact]
    public void Load_ModelFileChanged_FailsWithShaMismatch()
    {
        var dir = Directory.CreateTempSubdirectory("vsa-model-").FullName;
        try
        {
            File.Copy(TestAssets.NanoDetManifest, Path.Combine(dir, "manifest.json"));
            var onnx = File.ReadAllBytes(Path.Combine(TestAssets.NanoDetDirectory, "nanodet.onnx"));
            onnx[onnx.Length / 2] ^= 0x5A;
            File.WriteAllBytes(Path.Combine(dir, "nanodet.onnx"), onnx);

            var ex = Assert.Throws<ModelException>(() => DetectorModel.Load(new InferenceOptions { ModelDirectory = dir }, NullLogger.Instance));

            Assert.Contains("sha256", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Load_MissingModelFolder_FailsNamingTheManifest()
    {
        var dir = Path.Combine(Path.GetTempPath(), "vsa-no-model-" + Guid.NewGuid().ToString("N"));

        var ex = Assert.Throws<ModelException>(() => DetectorModel.Load(new InferenceOptions { ModelDirectory = dir }, NullLogger.Instance));

        Assert.Contains("manifest.json", ex.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddLogging()
            .AddInference(configuration.GetSection(InferenceOptions.SectionName))
            .BuildServiceProvider();
    }

}
