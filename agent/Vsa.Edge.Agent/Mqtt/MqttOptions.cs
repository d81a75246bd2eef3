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

    /// <summary>MQTT client id; null means <c>vsa-agent-{deviceId}</c>.</summary>
    public string? ClientId { get; set; }

    /// <summary>MQTT keep-alive; the broker publishes the last will after 1.5 × this without traffic. Default 15 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Interval between heartbeats on the health topic. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

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
        return options.ReconnectMinDelay > options.ReconnectMaxDelay
            ? ValidateOptionsResult.Fail("Mqtt:ReconnectMinDelay must not exceed Mqtt:ReconnectMaxDelay.")
            : ValidateOptionsResult.Success;
    }
}
