using System.Globalization;
using Vsa.Edge.Agent.Gpio;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Provisioning;

/// <summary>
/// The installation checks, each a function of what it read (through <see cref="IPreflightSystem"/>) giving pass, warn or
/// fail, one line of what was found and one line saying how to fix it. "Not checked" (offline, nothing configured) is a warn.
/// </summary>
public static class PreflightChecks
{
    /// <summary>Below this much free space a data folder fails (the outbox and a model update must fit).</summary>
    public const long FailBelowBytes = 512L * 1024 * 1024;

    /// <summary>Below this much free space a data folder warns.</summary>
    public const long WarnBelowBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Share of the expected frame rate a camera must reach to pass.</summary>
    public const double MinFpsShare = 0.9;

    /// <summary>A pass.</summary>
    public static InstallationCheck Pass(string id, string detail) => new(id, InstallationCheckStatus.Pass, detail);

    /// <summary>A warn with its fix.</summary>
    public static InstallationCheck Warn(string id, string detail, string fix) => new(id, InstallationCheckStatus.Warn, detail, fix);

    /// <summary>A fail with its fix.</summary>
    public static InstallationCheck Fail(string id, string detail, string fix) => new(id, InstallationCheckStatus.Fail, detail, fix);

    /// <summary>A check that could not be made.</summary>
    public static InstallationCheck NotChecked(string id, string why, string fix) => Warn(id, $"not checked: {why}", fix);

    /// <summary>The board and its JetPack/L4T release (<c>/proc/device-tree/model</c>, <c>/etc/nv_tegra_release</c>).</summary>
    public static InstallationCheck Board(BoardInfo board)
    {
        ArgumentNullException.ThrowIfNull(board);
        return board switch
        {
            { L4t: { JetPack: not null, Major: >= 35 } } => Pass("board", board.ToString()),
            { L4t: { Major: >= 35 } } => Warn("board", $"{board}: a release this agent was not tested on", "install JetPack 6.2 (L4T R36.4.3) or 5.1.x with NVIDIA SDK Manager (docs/jetson.md)"),
            { L4t: not null } => Fail("board", $"{board}: too old (JetPack 5.1 or later needed)", "reflash the module with JetPack 6.2 (docs/jetson.md)"),
            _ => Warn("board", $"{board}: fine for a test bench, not for a pole", "install the agent on a Jetson Orin with JetPack 6 (docs/jetson.md)"),
        };
    }

    /// <summary>The GPU: a Jetson module's, else the first of <c>nvidia-smi</c>.</summary>
    public static InstallationCheck Gpu(IHostFiles files, BoardInfo board) =>
        NvidiaStack.TryGetGpuName(files, board, out var name)
            ? Pass("gpu", name)
            : Warn("gpu", "no NVIDIA GPU (no Jetson module, nvidia-smi absent or silent): inference runs on the CPU, slowly", "on a Jetson install JetPack; on a PC install the NVIDIA driver so nvidia-smi lists the GPU");

    /// <summary>The ONNX Runtime library and the flavour this agent was built with.</summary>
    public static InstallationCheck OnnxRuntime(string version, string flavour, BoardInfo board)
    {
        ArgumentNullException.ThrowIfNull(board);
        var detail = $"ONNX Runtime {version} ({flavour} build)";
        return board.IsJetson && flavour != "Jetson"
            ? Warn("onnxruntime", $"{detail} on a Jetson: TensorRT and CUDA are not in this build", "publish the agent with -p:OrtFlavour=Jetson (docs/jetson.md)")
            : Pass("onnxruntime", detail);
    }

    /// <summary>
    /// One check per configured execution provider (a session really created on the model with it alone), and a fail when
    /// none of them works: the agent could not run.
    /// </summary>
    public static IReadOnlyList<InstallationCheck> Providers(IReadOnlyList<string> configured, IReadOnlyList<ProviderProbe> probes)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(probes);
        var checks = new List<InstallationCheck>();
        foreach (var probe in probes)
        {
            var id = "provider." + probe.Provider.ToLowerInvariant();
            checks.Add(probe switch
            {
                { Error: null } => Pass(id, $"{probe.Provider}: a session runs the model"),
                { InBuild: false } => Warn(id, $"{probe.Provider}: not in this ONNX Runtime build", probe.Provider == ExecutionProviderNames.Cpu ? "reinstall the agent" : "on a Jetson publish with -p:OrtFlavour=Jetson, on a PC with an NVIDIA GPU -p:OrtFlavour=Gpu"),
                _ => Warn(id, $"{probe.Provider}: {OneLine(probe.Error)}", probe.Provider == ExecutionProviderNames.TensorRt ? "install TensorRT (JetPack's nvidia-tensorrt) and check libnvinfer loads (ldconfig -p | grep nvinfer)" : "install the CUDA runtime of JetPack (nvidia-cuda) and check the GPU driver"),
            });
        }

        if (!probes.Any(p => p.Error is null))
        {
            checks.Add(Fail("provider", $"none of [{string.Join(", ", configured)}] can run the model: the agent would not start", "add CPU to Inference:ExecutionProviders, or fix the provider above"));
        }

        return checks;
    }

    /// <summary>Free space for one data folder (models, the outbox).</summary>
    public static InstallationCheck Disk(string id, string what, string path, long? free)
    {
        if (free is not { } bytes)
        {
            return NotChecked(id, $"free space of {path} unknown", $"check with: df -h {path}");
        }

        var detail = string.Create(CultureInfo.InvariantCulture, $"{what} ({path}): {bytes / (1024.0 * 1024 * 1024):F1} GiB free");
        return bytes < FailBelowBytes ? Fail(id, detail, $"free at least {WarnBelowBytes >> 30} GiB on that file system (old logs, unused models)")
            : bytes < WarnBelowBytes ? Warn(id, detail, $"free at least {WarnBelowBytes >> 30} GiB: a model update needs room for two models")
            : Pass(id, detail);
    }

    /// <summary>Whether the clock is synchronised: <c>timedatectl show</c> (systemd-timesyncd or any NTP client), else <c>chronyc tracking</c>.</summary>
    public static InstallationCheck Clock(IHostFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        const string Fix = "enable time synchronisation: timedatectl set-ntp true (or configure chrony with the site's NTP server) and open UDP 123";
        if (files.TryRun("timedatectl", "show", TimeSpan.FromSeconds(5), out var show) && Property(show, "NTPSynchronized") is { } synced)
        {
            var service = Property(show, "NTP") == "yes" ? "NTP on" : "NTP off";
            return synced == "yes"
                ? Pass("clock", $"synchronised (timedatectl: {service})")
                : Fail("clock", $"not synchronised (timedatectl: {service}): alert times and certificates would be wrong", Fix);
        }

        if (files.TryRun("chronyc", "tracking", TimeSpan.FromSeconds(5), out var tracking) && Field(tracking, "Leap status") is { } leap)
        {
            return leap == "Normal"
                ? Pass("clock", $"synchronised (chrony, reference {Field(tracking, "Reference ID") ?? "?"})")
                : Fail("clock", $"not synchronised (chrony: {leap}): alert times and certificates would be wrong", Fix);
        }

        return NotChecked("clock", "neither timedatectl nor chronyc answered (no systemd, no chrony)", "check by hand that the clock is right (date -u) and run an NTP client");
    }

    /// <summary>The time zone (<c>timedatectl</c>, else <c>/etc/timezone</c>): alerts travel in UTC, the console shows local time.</summary>
    public static InstallationCheck TimeZone(IHostFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var zone = files.TryRun("timedatectl", "show", TimeSpan.FromSeconds(5), out var show) ? Property(show, "Timezone") : null;
        zone ??= files.TryReadAllText("/etc/timezone", out var text) ? text.Trim() : null;
        return string.IsNullOrEmpty(zone)
            ? NotChecked("timezone", "time zone unknown", "set it: timedatectl set-timezone Europe/Paris")
            : Pass("timezone", $"{zone} (alerts are sent in UTC; set a camera's TimeZone for its authorisation windows)");
    }

    /// <summary>The fleet over HTTPS (<c>/health/ready</c>); not checked without a fleet address.</summary>
    public static InstallationCheck Fleet(Uri? fleet, bool withCa, string? error) => (fleet, error) switch
    {
        (null, _) => NotChecked("fleet", "no fleet address given", "rerun with --fleet https://<fleet-manager>"),
        (_, null) => Pass("fleet", $"{fleet.GetLeftPart(UriPartial.Authority)} ready{(withCa ? " (certificate of the fleet CA)" : string.Empty)}"),
        _ => Fail("fleet", $"{fleet.GetLeftPart(UriPartial.Authority)} unreachable: {OneLine(error)}", "check the uplink (ping, DNS, proxy) and that the fleet allows this site; HTTPS (443) must be open outbound"),
    };

    /// <summary>The broker over MQTT (mutual TLS with the device certificate once enrolled); not checked when no broker is configured.</summary>
    public static InstallationCheck Broker(string? endpoint, bool tls, string? error) => (endpoint, error) switch
    {
        (null, _) => NotChecked("broker", "no broker configured (Mqtt section of agent.json)", "enrol the device (./vsa provision enrol) and add the Mqtt section it prints to agent.json"),
        (_, null) => Pass("broker", $"{endpoint} accepted this device{(tls ? " over mutual TLS" : " (plain MQTT: a test bench only)")}"),
        _ => Fail("broker", $"{endpoint} refused or unreachable: {OneLine(error)}", tls ? "check MQTT/TLS (8883) is open outbound and the certificate is not revoked (enrol again if it is)" : "check the broker address and port in agent.json"),
    };

    /// <summary>A GPIO chip (<c>/dev/gpiochip*</c>): a fail when pins are configured, a warn otherwise.</summary>
    public static InstallationCheck Gpio(IHostFiles files, GpioOptions options)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        var chips = files.List("/dev", "gpiochip*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var pins = options.Enabled ? options.Pins.Select(p => p.Role).ToList() : [];
        if (chips.Count > 0)
        {
            var wanted = $"gpiochip{options.Chip}";
            return chips.Contains(wanted) || pins.Count == 0
                ? Pass("gpio", $"{string.Join(", ", chips)}{(pins.Count > 0 ? $"; {string.Join(", ", pins)} on {wanted}" : "; no pin configured")}")
                : Fail("gpio", $"Gpio:Chip {options.Chip} absent (found {string.Join(", ", chips)})", "set Gpio:Chip to one of the chips found (gpiodetect lists them)");
        }

        return pins.Count > 0
            ? Fail("gpio", $"no /dev/gpiochip* but {string.Join(", ", pins)} configured: tamper, LED and maintenance switches would not work", "on a Jetson check the user is in the gpio group (udev rule of JetPack); elsewhere remove the Gpio pins")
            : Warn("gpio", "no /dev/gpiochip*: no tamper switch, LED or maintenance switch", "on a pole, wire them and set Gpio:TamperPin, LedPin and MaintenancePin (agent/Vsa.Edge.Agent/Gpio/README.md)");
    }

    /// <summary>One camera: opened, decoded, and fast enough (at least <see cref="MinFpsShare"/> of what it announces).</summary>
    public static InstallationCheck Camera(string cameraId, string redactedSource, CameraProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var id = "camera." + cameraId;
        if (probe.Error is { } error)
        {
            return Fail(id, $"{redactedSource}: {OneLine(error)}", "check the camera's address, user and password, that it streams H.264/H.265 and that RTSP (554) is reachable");
        }

        if (probe.Frames == 0)
        {
            return Fail(id, $"{redactedSource}: opened but no frame decoded in {probe.Elapsed.TotalSeconds:F0} s", "check the camera streams and its codec is one this device decodes (H.264/H.265)");
        }

        var detail = string.Create(CultureInfo.InvariantCulture, $"{probe.Codec ?? "codec ?"} {probe.Width}x{probe.Height}, {probe.MeasuredFps:F1} fps measured over {probe.Elapsed.TotalSeconds:F1} s");
        return probe.NominalFps > 0 && probe.MeasuredFps < MinFpsShare * probe.NominalFps
            ? Warn(id, string.Create(CultureInfo.InvariantCulture, $"{detail}, below the {probe.NominalFps:F0} fps it announces"), "lower the camera's resolution or frame rate, or check the network to it")
            : Pass(id, probe.NominalFps > 0 ? string.Create(CultureInfo.InvariantCulture, $"{detail} (announces {probe.NominalFps:F0})") : detail);
    }

    /// <summary>No camera configured.</summary>
    public static InstallationCheck NoCamera() =>
        NotChecked("camera", "no camera configured (Agent:Cameras, or none given with --config)", "rerun with --config agent.json once the cameras are set (or after the set-up page)");

    /// <summary>The first line of <paramref name="text"/>, at most 200 characters.</summary>
    public static string OneLine(string? text)
    {
        var line = (text ?? string.Empty).Split('\n', 2)[0].Trim();
        return line.Length <= 200 ? line : line[..200] + "…";
    }

    // "Key=value" lines of timedatectl show.
    private static string? Property(string text, string key) =>
        text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];

    // "Key   : value" lines of chronyc tracking.
    private static string? Field(string text, string key) =>
        text.Split('\n').Select(l => l.Split(':', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim() == key)?[1].Trim();
}
