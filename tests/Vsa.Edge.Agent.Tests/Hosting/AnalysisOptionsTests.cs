using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Hosting;

/// <summary>The <c>Analysis</c> section: bound, checked when the host starts, and handed to the camera runner.</summary>
public sealed class AnalysisOptionsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-analysis-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("Analysis:Tracker:MinHitsToConfirm", "0")]
    [InlineData("Analysis:Rules:Cooldown", "02:00:00")]
    [InlineData("Analysis:Pipeline:Every", "0")]
    [InlineData("Analysis:Fire:MinRed", "300")]
    [InlineData("Analysis:StaticRegions:Threshold", "0")]
    public async Task StartAsync_OutOfRangeValue_FailsNamingTheKey(string key, string value)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration[key] = value;
        builder.AddAnalysisOptions();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"{key}: The field", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_TrackerLowThresholdAboveHigh_FailsNamingTheSection()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration["Analysis:Tracker:LowScoreThreshold"] = "0.6";
        builder.Configuration["Analysis:Tracker:HighScoreThreshold"] = "0.4";
        builder.AddAnalysisOptions();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Analysis:Tracker: LowScoreThreshold (0.6) must not exceed HighScoreThreshold (0.4)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NoAnalysisSection_StartsWithTheDefaults()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.AddAnalysisOptions();
        using var host = builder.Build();

        await host.StartAsync();
        var settings = host.Services.GetRequiredService<AnalysisSettings>();
        await host.StopAsync();

        Assert.Equal(TimeSpan.FromSeconds(30), settings.Rules.Cooldown);
        Assert.Equal(2, settings.Tracker.MinHitsToConfirm);
        Assert.Equal(192, settings.StaticRegions.AnalysisWidth);
    }

    [Fact]
    public void AddAgent_BoundValues_ReachTheCameraRunner()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration["Agent:DeviceId"] = "pole-12";
        builder.Configuration["Agent:DataDirectory"] = _dir.FullName;
        builder.Configuration["Inference:ModelDirectory"] = TestAssets.NanoDetDirectory;
        builder.Configuration["Inference:ExecutionProviders:0"] = "CPU";
        builder.Configuration["Analysis:Tracker:MinHitsToConfirm"] = "5";
        builder.Configuration["Analysis:Rules:Cooldown"] = "00:00:10";
        builder.Configuration["Analysis:Fire:MinRed"] = "170";
        builder.Configuration["Analysis:StaticRegions:MaxRegions"] = "8";
        builder.Configuration["Analysis:Pipeline:FrameQueueCapacity"] = "4";
        builder.AddAgent(_dir.FullName);
        using var host = builder.Build();

        var runner = host.Services.GetRequiredService<CameraRunner>();

        Assert.Equal(5, runner.Settings.Tracker.MinHitsToConfirm);
        Assert.Equal(TimeSpan.FromSeconds(10), runner.Settings.Rules.Cooldown);
        Assert.Equal(170, runner.Settings.Fire.MinRed);
        Assert.Equal(8, runner.Settings.StaticRegions.MaxRegions);
        Assert.Equal(4, runner.Settings.Pipeline.FrameQueueCapacity);
    }

    [Fact]
    public async Task RunAsync_OutOfRangeAnalysisValueInTheFile_RefusesToStartNamingTheKey()
    {
        var config = new
        {
            Agent = new { DeviceId = "pole-12", Cameras = Array.Empty<string>(), DataDirectory = Path.Combine(_dir.FullName, "data") },
            Inference = new { ModelDirectory = TestAssets.NanoDetDirectory, ExecutionProviders = new[] { "CPU" } },
            Mqtt = new { Host = "127.0.0.1", Port = MosquittoFixture.FreeLoopbackPort() },
            Analysis = new { Tracker = new { MaxLostDuration = "00:20:00" } },
        };
        var path = Path.Combine(_dir.FullName, "agent.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config));
        var stderr = new StringWriter();

        var exit = await RunCommand.RunAsync(path, stderr).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(AnalyzeCommand.ExitUsage, exit);
        Assert.Contains("error: Analysis:Tracker:MaxLostDuration: The field MaxLostDuration must be between", stderr.ToString(), StringComparison.Ordinal);
    }
}
