using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>Broker connection and publishing settings (configuration section <c>Mqtt</c>).</summary>
public sealed class MqttOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Mqtt";

    /// <summary>Broker host name or address. Default localhost.</summary>
    [Required]
    public string Host { get; set; } = "localhost";

    /// <summary>Broker TCP port. Default 1883.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>
    /// MQTT client id; null means the device id when TLS credentials are set (a fleet broker requires it to be the
    /// certificate's device id), else <c>vsa-agent-{deviceId}</c>.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// Folder written by <c>vsa-agent enrol</c>: <c>ca.crt</c>, <c>device.crt</c> and <c>device.key</c>. When set, the agent
    /// connects over mutual TLS with that certificate (and <see cref="Port"/> is normally 8883). Null (default): plain MQTT,
    /// unless <see cref="CaFile"/>, <see cref="CertificateFile"/> and <see cref="KeyFile"/> are set instead.
    /// </summary>
    public string? CredentialsDirectory { get; set; }

    /// <summary>The CA that issued the broker's certificate (PEM), instead of <see cref="CredentialsDirectory"/>.</summary>
    public string? CaFile { get; set; }

    /// <summary>The device certificate (PEM), instead of <see cref="CredentialsDirectory"/>.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The device's private key (PEM, mode 0600), instead of <see cref="CredentialsDirectory"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Whether TLS credentials are configured.</summary>
    public bool UsesTls => CredentialsDirectory is not null || CaFile is not null || CertificateFile is not null || KeyFile is not null;

    /// <summary>The three credential files, from <see cref="CredentialsDirectory"/> or the explicit paths.</summary>
    public (string Ca, string Certificate, string Key) CredentialFiles => CredentialsDirectory is { } directory
        ? (Path.Combine(directory, DeviceCredentials.CaFileName), Path.Combine(directory, DeviceCredentials.CertificateFileName), Path.Combine(directory, DeviceCredentials.KeyFileName))
        : (CaFile ?? string.Empty, CertificateFile ?? string.Empty, KeyFile ?? string.Empty);

    /// <summary>MQTT keep-alive; the broker publishes the last will after 1.5 × this without traffic. Default 15 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Interval between heartbeats on the health topic. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often, while connected, the agent looks for camera documents the installer saved in <c>{DataDirectory}/proposals</c>
    /// (also at every connection). Default 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ProposalScanInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First reconnect delay (before jitter); it doubles on each failure. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest reconnect delay. Default 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Connect timeout. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Alerts published before waiting for their PUBACKs (sent in outbox order). Default 16: over a 100 ms mobile link one
    /// at a time would cap recovery at 10 alerts/s.
    /// </summary>
    [Range(1, 1024)]
    public int MaxInflightAlerts { get; set; } = 16;

    /// <summary>
    /// MQTT 5 session expiry: the agent connects with clean start off, so the broker keeps its session (and, later, its
    /// subscriptions) across reconnects for this long. Default 1 day.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "49710.00:00:00")]
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>On a clean stop, how long waiting alerts may take to go out before the offline status is published (the rest stay in the outbox). Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan StopDrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Parses <c>mqtt://host[:port]</c> (port 1883 by default) into <see cref="Host"/> and <see cref="Port"/>.</summary>
    public static MqttOptions FromUri(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme != "mqtt" || string.IsNullOrEmpty(parsed.Host))
        {
            throw new FormatException($"'{uri}' is not an mqtt://host[:port] address.");
        }

        return new MqttOptions { Host = parsed.Host, Port = parsed.IsDefaultPort || parsed.Port <= 0 ? 1883 : parsed.Port };
    }
}

/// <summary>Cross-field check: the reconnect delays are ordered.</summary>
public sealed class MqttOptionsValidator : IValidateOptions<MqttOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, MqttOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.ReconnectMinDelay > options.ReconnectMaxDelay)
        {
            failures.Add("Mqtt:ReconnectMinDelay must not exceed Mqtt:ReconnectMaxDelay.");
        }

        var explicitFiles = new[] { options.CaFile, options.CertificateFile, options.KeyFile };
        if (options.CredentialsDirectory is not null && explicitFiles.Any(f => f is not null))
        {
            failures.Add("Mqtt:CredentialsDirectory and Mqtt:CaFile/CertificateFile/KeyFile are alternatives: set one or the other.");
        }
        else if (options.CredentialsDirectory is null && explicitFiles.Any(f => f is not null) && explicitFiles.Any(f => f is null))
        {
            failures.Add("Mqtt:CaFile, Mqtt:CertificateFile and Mqtt:KeyFile go together: set all three (or Mqtt:CredentialsDirectory).");
        }
        else if (options.UsesTls)
        {
            var (ca, certificate, key) = options.CredentialFiles;
            foreach (var (file, setting) in new[] { (ca, "CA certificate"), (certificate, "device certificate"), (key, "device key") })
            {
                if (!File.Exists(file))
                {
                    failures.Add($"Mqtt: the {setting} '{file}' does not exist (run 'vsa-agent enrol' first, or fix the path).");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
