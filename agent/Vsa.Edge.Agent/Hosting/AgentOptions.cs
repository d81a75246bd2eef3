using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>The device and its cameras (configuration section <c>Agent</c>).</summary>
public sealed class AgentOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Agent";

    /// <summary>Device id: the <c>{deviceId}</c> of every topic this agent publishes. Required.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", ErrorMessage = "Agent:DeviceId must be 1–64 letters, digits, '_', '-' or '.', starting with a letter or digit.")]
    public string DeviceId { get; set; } = "";

    /// <summary>
    /// Paths of the <c>camera.json</c> files, relative to the agent configuration file: what the device runs when no
    /// fleet configuration was ever applied (a configuration received on <c>config/desired</c> and kept in
    /// <see cref="DataDirectory"/> takes precedence). Empty: the device waits for its fleet configuration.
    /// </summary>
    [Required]
    public string[] Cameras { get; set; } = [];

    /// <summary>
    /// Authorisation windows enforced on the local camera files (same shape as the fleet's: reference, service, events,
    /// cameras, startsAt, endsAt). None with local cameras: the agent refuses to start unless <see cref="DevelopmentMode"/>
    /// is set. A fleet configuration brings its own windows and replaces these.
    /// </summary>
    public LocalAuthorisation[] Authorisations { get; set; } = [];

    /// <summary>
    /// A test bench only: local cameras with no <see cref="Authorisations"/> run every enabled event (a warning says so at
    /// start). Default false: without a window the agent refuses to start, an event runs only within an arrêté.
    /// </summary>
    public bool DevelopmentMode { get; set; }

    /// <summary>
    /// Public keys (ECDSA P-256, PEM <c>PUBLIC KEY</c>) trusted to sign this device's desired configuration, besides those
    /// its enrolment stored (<c>signing-keys.pem</c> beside <c>Mqtt</c>'s CA): each entry is a PEM file's path (relative to
    /// the configuration file) or the PEM text itself. For an unmanaged or test set-up; a fleet's key is
    /// <c>GET /api/trust/signing-key</c>. Default none: with no key at all, every desired configuration is refused.
    /// </summary>
    public string[] TrustedSigningKeys { get; set; } = [];

    /// <summary>
    /// Where the agent keeps its state (the alert outbox). Relative paths are resolved against the configuration file's
    /// folder. Default: <c>$STATE_DIRECTORY</c> (systemd's <c>StateDirectory=</c>, <c>/var/lib/vsa-agent</c>), else
    /// <c>$VSA_CACHE/agent</c>. Must be writable (the unit's <c>ReadWritePaths</c>).
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// How long a stop may take: pipelines end their open alerts, the publisher drains for <c>Mqtt:StopDrainTimeout</c>
    /// and publishes offline. Default 20 s, under the unit's <c>TimeoutStopSec=30</c>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Quiet time after the last change of a camera file before it is reloaded (editors write in several steps). Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ReloadDebounce { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Folder relative camera paths are resolved against (the configuration file's folder); set by the host.</summary>
    public string BaseDirectory { get; set; } = Directory.GetCurrentDirectory();

    /// <summary>The data directory, made absolute (see <see cref="DataDirectory"/>).</summary>
    public string DataPath => Path.GetFullPath(DataDirectory ?? AgentPaths.DefaultDataDirectory, BaseDirectory);

    /// <summary>The camera file paths, made absolute.</summary>
    public IEnumerable<string> CameraPaths => Cameras.Select(c => Path.GetFullPath(c, BaseDirectory));

    /// <summary>The local authorisation windows as the contract's records.</summary>
    public IReadOnlyList<AuthorisationWindow> LocalWindows => [.. Authorisations.Select(a => a.ToWindow())];
}

/// <summary>One local authorisation window (<c>Agent:Authorisations</c>), the settings form of <see cref="AuthorisationWindow"/>.</summary>
public sealed class LocalAuthorisation
{
    /// <summary>The arrêté's reference.</summary>
    public string Reference { get; set; } = "";

    /// <summary>The service it authorises.</summary>
    public string Service { get; set; } = "";

    /// <summary>Event wire names it authorises.</summary>
    public string[] Events { get; set; } = [];

    /// <summary>Camera ids it covers.</summary>
    public string[] Cameras { get; set; } = [];

    /// <summary>First instant, inclusive (ISO 8601 with offset).</summary>
    public DateTimeOffset StartsAt { get; set; }

    /// <summary>End, exclusive: the analysis stops at this instant.</summary>
    public DateTimeOffset EndsAt { get; set; }

    /// <summary>The contract's record.</summary>
    public AuthorisationWindow ToWindow() => new(Reference, Service, Events, Cameras, StartsAt, EndsAt);
}

/// <summary>Loads every camera file at start so a bad one stops the agent with each error named; camera ids must be unique.</summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in options.CameraPaths)
        {
            try
            {
                var camera = CameraConfigLoader.Load(path);
                if (!ids.Add(camera.CameraId))
                {
                    failures.Add($"{path}: cameraId '{camera.CameraId}' is used by another camera of this device.");
                }
            }
            catch (CameraConfigException ex)
            {
                failures.AddRange(ex.Errors.Select(e => $"{path}: {e}"));
            }
            catch (IOException ex)
            {
                failures.Add($"{path}: {ex.Message}");
            }
        }

        failures.AddRange(AuthorisationGate.Validate(options.LocalWindows, "Agent:Authorisations"));
        failures.AddRange(DesiredConfig.TrustedSigningKeys.Validate(options));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
