using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Gpio;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Agent.Provisioning;
using Vsa.Edge.Agent.Tests.Platform;

namespace Vsa.Edge.Agent.Tests.Provisioning;

/// <summary>A machine made of answers: host files and tools (<see cref="FakeHostFiles"/>), providers, network and cameras.</summary>
internal sealed class FakePreflightSystem(FakeHostFiles files) : IPreflightSystem
{
    /// <summary><c>timedatectl show</c> on a synchronised Jetson (systemd-timesyncd).</summary>
    public const string TimedatectlSynchronised = "Timezone=Europe/Paris\nLocalRTC=no\nCanNTP=yes\nNTP=yes\nNTPSynchronized=yes\nTimeUSec=Mon 2026-12-07 11:00:00 CET\nRTCTimeUSec=Mon 2026-12-07 11:00:00 CET\n";

    /// <summary><c>nvidia-smi --query-gpu=name --format=csv,noheader</c> on a PC.</summary>
    public const string NvidiaSmi = "NVIDIA RTX A2000 12GB\n";

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

    public FakeHostFiles HostFiles => files;

    public IHostFiles Files => files;

    public TimeProvider Time => Clock;

    public (string Version, string Flavour) OnnxRuntime { get; set; } = ("1.22.0", "Jetson");

    public Dictionary<string, string?> ProviderErrors { get; } = new(StringComparer.Ordinal);

    public HashSet<string> NotInBuild { get; } = new(StringComparer.Ordinal);

    public long? Free { get; set; } = 40L << 30;

    public string? HttpError { get; set; }

    public string? MqttError { get; set; }

    public List<(Uri Url, string? Ca)> HttpGets { get; } = [];

    public Dictionary<string, CameraProbe> Cameras { get; } = new(StringComparer.Ordinal);

    public ModelProbe Model { get; set; } = new("TensorRT", 50, 8.1, 9.4, null);

    public string? OutboxError { get; set; }

    public SimulatedGpioPins Pins { get; } = new();

    /// <summary>A Jetson AGX Orin with JetPack 6.2, synchronised clock, two GPIO chips.</summary>
    public static FakePreflightSystem Jetson()
    {
        var host = FakeHostFiles.Jetson("NVIDIA Jetson AGX Orin Developer Kit");
        host.Tools["timedatectl show"] = TimedatectlSynchronised;
        return new FakePreflightSystem(host);
    }

    public long? FreeBytes(string path) => Free;

    public ProviderProbe ProbeProvider(string modelDirectory, string provider) =>
        new(provider, !NotInBuild.Contains(provider), NotInBuild.Contains(provider) ? "not in this build" : ProviderErrors.GetValueOrDefault(provider));

    public Task<string?> HttpGetAsync(Uri url, string? caFile, CancellationToken cancellationToken)
    {
        HttpGets.Add((url, caFile));
        return Task.FromResult(HttpError);
    }

    public Task<string?> MqttConnectAsync(MqttOptions options, string deviceId, CancellationToken cancellationToken) => Task.FromResult(MqttError);

    public CameraProbe ProbeCamera(string source, TimeSpan duration, CancellationToken cancellationToken) =>
        Cameras.TryGetValue(source, out var probe) ? probe : CameraProbe.Failed($"Video source '{source}' cannot be opened");

    public ModelProbe RunModel(string modelDirectory, IReadOnlyList<string> providers, int runs) => Model;

    public string? ProbeOutbox(string dataDirectory, string deviceId) => OutboxError;

    public IGpioPins OpenGpio(GpioOptions options) => Pins;
}
