using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Hosting;

/// <summary>Camera files are watched: a valid change is applied, an invalid one rejected while the old one keeps running.</summary>
public sealed class CameraReloaderTests : IDisposable
{
    private static readonly ModelManifest Manifest = ModelManifestLoader.Load(TestAssets.NanoDetManifest, verifyModelFile: false);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-reload-");
    private readonly RecordingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggers;
    private readonly List<(CameraConfig Config, RuleEngine Rules)> _applied = [];

    public CameraReloaderTests() => _loggers = _logs.CreateFactory();

    private string CameraPath => Path.Combine(_dir.FullName, "camera.json");

    public void Dispose()
    {
        _loggers.Dispose();
        _logs.Dispose();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task FileChanged_Valid_AppliesTheNewRules()
    {
        using var reloader = Start(Camera("square", minDuration: 2));

        var outcome = await ChangeAsync(reloader, Camera("quay", minDuration: 5));

        Assert.Equal(CameraReloadResult.Applied, outcome.Result);
        var (config, rules) = Assert.Single(_applied);
        Assert.Equal("quay", config.Zones.Single().Id);
        Assert.Equal(1, rules.RuleCount);
        Assert.Equal("quay", reloader.Current.Zones.Single().Id);
        Assert.Contains(_logs.Entries, e => e.EventId == 7010);
    }

    [Fact]
    public async Task FileChanged_Invalid_IsRejectedNamingTheFieldAndTheOldConfigurationStays()
    {
        using var reloader = Start(Camera("square", minDuration: 2));

        var outcome = await ChangeAsync(reloader, Camera("square", minDuration: 2).Replace("\"zones\": [\"square\"]", "\"zones\": [\"nowhere\"]", StringComparison.Ordinal));

        Assert.Equal(CameraReloadResult.Rejected, outcome.Result);
        Assert.Contains(outcome.Errors, e => e.Contains("nowhere", StringComparison.Ordinal));
        Assert.Empty(_applied);
        Assert.Equal("square", reloader.Current.Zones.Single().Id);
        var logged = Assert.Single(_logs.Entries, e => e.EventId == 7011);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Contains("previous configuration keeps running", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileChanged_BrokenJson_IsRejected()
    {
        using var reloader = Start(Camera("square", minDuration: 2));

        var outcome = await ChangeAsync(reloader, "{ \"cameraId\": \"vtest\", \"zones\": [ ");

        Assert.Equal(CameraReloadResult.Rejected, outcome.Result);
        Assert.Empty(_applied);
    }

    [Fact]
    public async Task FileChanged_CategoryTheModelLacks_IsRejected()
    {
        using var reloader = Start(Camera("square", minDuration: 2));

        var outcome = await ChangeAsync(reloader, Camera("square", minDuration: 2).Replace("\"person\"", "\"unicorn\"", StringComparison.Ordinal));

        Assert.Equal(CameraReloadResult.Rejected, outcome.Result);
        Assert.Contains(outcome.Errors, e => e.Contains("unicorn", StringComparison.Ordinal));
        Assert.Empty(_applied);
    }

    [Fact]
    public async Task FileChanged_CameraIdChanged_IsRejected()
    {
        using var reloader = Start(Camera("square", minDuration: 2));

        var outcome = await ChangeAsync(reloader, Camera("square", minDuration: 2).Replace("\"vtest\"", "\"other\"", StringComparison.Ordinal));

        Assert.Equal(CameraReloadResult.Rejected, outcome.Result);
        Assert.Contains(outcome.Errors, e => e.StartsWith("cameraId", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FileChanged_InvalidThenValid_AppliesTheValidOne()
    {
        using var reloader = Start(Camera("square", minDuration: 2));
        await ChangeAsync(reloader, "not json");

        var outcome = await ChangeAsync(reloader, Camera("quay", minDuration: 2));

        Assert.Equal(CameraReloadResult.Applied, outcome.Result);
        Assert.Equal("quay", reloader.Current.Zones.Single().Id);
    }

    private CameraReloader Start(string json)
    {
        File.WriteAllText(CameraPath, json);
        return new CameraReloader(
            CameraPath,
            CameraConfigLoader.Load(CameraPath),
            c => new RuleEngine(c, Manifest, "edge-reload"),
            (c, r) =>
            {
                lock (_applied)
                {
                    _applied.Add((c, r));
                }
            },
            TimeSpan.FromMilliseconds(50),
            TimeProvider.System,
            _loggers.CreateLogger<CameraReloader>());
    }

    // Writes the file the way an editor saves it (temporary file, then rename) and waits for the reload it triggers.
    private async Task<CameraReloadOutcome> ChangeAsync(CameraReloader reloader, string json)
    {
        var done = new TaskCompletionSource<CameraReloadOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnReloaded(object? sender, CameraReloadOutcome outcome)
        {
            if (outcome.Result != CameraReloadResult.Unchanged)
            {
                done.TrySetResult(outcome);
            }
        }

        reloader.Reloaded += OnReloaded;
        try
        {
            var temp = CameraPath + ".tmp";
            File.WriteAllText(temp, json);
            File.Move(temp, CameraPath, overwrite: true);
            return await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            reloader.Reloaded -= OnReloaded;
        }
    }

    private static string Camera(string zoneId, int minDuration) => $$"""
        {
          "cameraId": "vtest",
          "source": "vtest.avi",
          "zones": [ { "id": "{{zoneId}}", "polygon": [[0.3, 0.4], [0.8, 0.36], [0.98, 0.58], [0.3, 0.55]] } ],
          "events": [ { "type": "intrusion", "zones": ["{{zoneId}}"], "categories": ["person"], "minDurationSeconds": {{minDuration}} } ]
        }
        """;
}
