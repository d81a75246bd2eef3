using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>Where the fleet manager finds its MQTT broker.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BrokerMode>))]
public enum BrokerMode
{
    /// <summary>An MQTTnet broker runs inside the fleet manager: zero set-up, one machine, no shared subscriptions.</summary>
    [JsonStringEnumMemberName("embedded")] Embedded,

    /// <summary>A broker run by someone else (Mosquitto, EMQX, HiveMQ, VerneMQ); the fleet manager is one of its clients.</summary>
    [JsonStringEnumMemberName("external")] External,
}

/// <summary>
/// Broker settings, section <c>Fleet:Broker</c>. In both modes the ingestion is the same MQTT 5 client: in embedded mode it
/// connects over loopback to the broker this process hosts, so embedded and external deployments run one code path.
/// </summary>
public sealed class BrokerOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Broker";

    /// <summary><see cref="BrokerMode.Embedded"/> (default) or <see cref="BrokerMode.External"/>.</summary>
    public BrokerMode Mode { get; set; } = BrokerMode.Embedded;

    /// <summary>
    /// Embedded: the port the broker listens on. External: the port of the broker to connect to. Default 1883 (plain MQTT).
    /// </summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>
    /// Embedded only: the IPv4 or IPv6 address the broker listens on. Default <c>127.0.0.1</c>, so a fresh install is not
    /// reachable from the network until someone decides it should be; set <c>0.0.0.0</c> (all IPv4) or <c>::</c> (all IPv6)
    /// to accept devices on the camera network. Any address other than a loopback one requires
    /// <see cref="RequireClientCertificates"/> = true (validation refuses the start otherwise): the plain port lets any client
    /// publish as any device, so it never listens on a network.
    /// </summary>
    [Required]
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Embedded only: the port of the mutual-TLS endpoint for enrolled devices (client certificate issued by the fleet CA
    /// required; a device may only use its own <c>vsa/v1/{deviceId}/…</c> topics). Default 8883; 0 disables it. It listens on
    /// <see cref="BindAddress"/> like the plain port.
    /// </summary>
    [Range(0, 65535)]
    public int TlsPort { get; set; } = 8883;

    /// <summary>
    /// Embedded only: when true, the plain port (<see cref="Port"/>) is not opened at all, so every device must connect over
    /// mutual TLS with an enrolled certificate, and the ingestion connects over TLS with the fleet's service certificate.
    /// Default false for now: the plain port stays open on <see cref="BindAddress"/> for the demo, the tests and agents not
    /// yet enrolled; whoever can reach it can publish anywhere (docs/trust.md), which is why false is accepted only with a
    /// loopback <see cref="BindAddress"/>.
    /// </summary>
    public bool RequireClientCertificates { get; set; }

    /// <summary>
    /// External only: connect to the broker over TLS with the fleet's service certificate (CN <c>vsa-fleet.service</c>) and
    /// trust the fleet CA for the broker's certificate, as in the configuration <c>vsa-fleet broker mosquitto-config</c> writes.
    /// Default false.
    /// </summary>
    public bool UseTls { get; set; }

    /// <summary>External only (required there): host name or address of the broker.</summary>
    public string? Host { get; set; }

    /// <summary>
    /// Client id of the ingestion client. The broker keeps the session under this id, so it must be stable across restarts
    /// and unique per fleet-manager instance. Default <c>vsa-fleet</c>.
    /// </summary>
    [Required]
    [StringLength(128, MinimumLength = 1)]
    public string ClientId { get; set; } = "vsa-fleet";

    /// <summary>
    /// External only: the shared-subscription group of the fleet-manager instances (MQTT 5 <c>$share/{group}/…</c>). When
    /// set, alerts and heartbeats are taken by ONE instance of the group each (the broker spreads them), so several
    /// instances behind the same broker and database share the load without processing a message twice. Statuses stay
    /// ordinary subscriptions: they are retained (a shared subscription receives no retained message) and applying one
    /// twice changes nothing. Each instance needs its own <see cref="ClientId"/>. Unset (default): one instance takes all.
    /// </summary>
    public string? SharedSubscriptionGroup { get; set; }

    /// <summary>Optional user name for an external broker.</summary>
    public string? Username { get; set; }

    /// <summary>Optional password for an external broker (requires <see cref="Username"/>).</summary>
    public string? Password { get; set; }

    /// <summary>
    /// How long the broker keeps the ingestion session (subscriptions and queued QoS 1 messages) after the fleet manager
    /// disconnects, in seconds. Default 604800 (7 days: a long week-end outage). The broker's own queue limits still apply
    /// (Mosquitto: <c>max_queued_messages</c>, 1000 by default).
    /// </summary>
    [Range(0L, 4294967295L)]
    public long SessionExpirySeconds { get; set; } = 604800;

    /// <summary>MQTT keep-alive period. Default 15 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>First delay before reconnecting after the broker went away. Default 1 s; doubles up to <see cref="ReconnectMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between two reconnection attempts. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The host the ingestion client connects to: the loopback of the bind address when embedded, else <see cref="Host"/>.</summary>
    public string ConnectHost => Mode == BrokerMode.External
        ? Host ?? string.Empty
        : System.Net.IPAddress.TryParse(BindAddress, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? "::1"
            : "127.0.0.1";

    /// <summary>Whether the ingestion client connects over TLS with the fleet's service certificate.</summary>
    public bool ConnectsWithTls => Mode == BrokerMode.External ? UseTls : RequireClientCertificates;

    /// <summary>The port the ingestion client connects to: the TLS port when embedded with client certificates required.</summary>
    public int ConnectPort => Mode == BrokerMode.Embedded && RequireClientCertificates ? TlsPort : Port;

    /// <summary>Human-readable endpoint, for logs and the status API.</summary>
    public string Endpoint => $"{(ConnectsWithTls ? "mqtts" : "mqtt")}://{(ConnectHost.Contains(':', StringComparison.Ordinal) ? $"[{ConnectHost}]" : ConnectHost)}:{ConnectPort}";
}
