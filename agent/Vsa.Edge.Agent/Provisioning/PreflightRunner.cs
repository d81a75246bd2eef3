using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Provisioning;

/// <summary>Told as each step starts and as each check ends (the terminal's progress).</summary>
public interface IStepProgress
{
    /// <summary>A step starts ("ONNX Runtime execution providers").</summary>
    void Begin(string step);

    /// <summary>A check ended.</summary>
    void Done(InstallationCheck check);
}

/// <summary>
/// <c>provision check</c>: every preflight check in turn, reading the machine only through <see cref="IPreflightSystem"/>.
/// Nothing is changed on the machine, so it can be run again at any time (after a power cut, after a fix).
/// </summary>
public sealed class PreflightRunner(IPreflightSystem system, IStepProgress? progress = null)
{
    /// <summary>Runs every check; the cameras are each read for <paramref name="cameraDuration"/>.</summary>
    public async Task<IReadOnlyList<InstallationCheck>> RunAsync(ProvisioningSettings settings, TimeSpan cameraDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var checks = new List<InstallationCheck>();
        void Add(InstallationCheck check)
        {
            checks.Add(check);
            progress?.Done(check);
        }

        progress?.Begin("board and JetPack");
        var board = BoardInfo.Detect(system.Files);
        Add(PreflightChecks.Board(board));
        Add(PreflightChecks.Gpu(system.Files, board));

        progress?.Begin("ONNX Runtime and its execution providers (a session on the model with each)");
        var (version, flavour) = system.OnnxRuntime;
        Add(PreflightChecks.OnnxRuntime(version, flavour, board));
        var probes = settings.ExecutionProviders.Select(p => system.ProbeProvider(settings.ModelDirectory, p)).ToList();
        foreach (var check in PreflightChecks.Providers(settings.ExecutionProviders, probes))
        {
            Add(check);
        }

        progress?.Begin("free disk");
        Add(PreflightChecks.Disk("disk.models", "models", settings.ModelDirectory, system.FreeBytes(settings.ModelDirectory)));
        Add(PreflightChecks.Disk("disk.data", "outbox and state", settings.DataDirectory, system.FreeBytes(settings.DataDirectory)));

        progress?.Begin("clock and time zone");
        Add(PreflightChecks.Clock(system.Files));
        Add(PreflightChecks.TimeZone(system.Files));

        progress?.Begin("fleet (HTTPS) and broker (MQTT)");
        var ca = settings.FleetCaFile;
        var fleetError = settings.Fleet is { } fleet ? await system.HttpGetAsync(new Uri(fleet, "health/ready"), ca, cancellationToken).ConfigureAwait(false) : null;
        Add(PreflightChecks.Fleet(settings.Fleet, ca is not null && settings.Fleet?.Scheme == Uri.UriSchemeHttps, fleetError));
        if (settings is { Mqtt: { } mqtt, DeviceId: { } deviceId })
        {
            var brokerError = await system.MqttConnectAsync(mqtt, deviceId, cancellationToken).ConfigureAwait(false);
            Add(PreflightChecks.Broker($"{mqtt.Host}:{mqtt.Port}", mqtt.UsesTls, brokerError));
        }
        else
        {
            Add(PreflightChecks.Broker(null, false, null));
        }

        progress?.Begin("GPIO");
        Add(PreflightChecks.Gpio(system.Files, settings.Gpio));

        progress?.Begin($"cameras ({settings.Cameras.Count}, {cameraDuration.TotalSeconds:0} s each)");
        if (settings.Cameras.Count == 0)
        {
            Add(PreflightChecks.NoCamera());
        }

        foreach (var camera in settings.Cameras)
        {
            var probe = await Task.Run(() => system.ProbeCamera(camera.Source, cameraDuration, cancellationToken), cancellationToken).ConfigureAwait(false);
            Add(PreflightChecks.Camera(camera.CameraId, camera.Redacted, probe));
        }

        return checks;
    }
}
