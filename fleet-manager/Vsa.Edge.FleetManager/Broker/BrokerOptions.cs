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
    /// External: the port of the broker to connect to. Embedded: the port of the plain (unauthenticated) test-bench endpoint,
    /// opened only when <see cref="RequireClientCertificates"/> is false. Default 1883.
    /// </summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>
    /// Embedded only: the IPv4 or IPv6 address the broker listens on. Default <c>127.0.0.1</c>, so a fresh install is not
    /// reachable from the network until someone decides it should be; set <c>0.0.0.0</c> (all IPv4) or <c>::</c> (all IPv6)
    /// to accept devices on the camera network. With the plain bench endpoint open (<see cref="RequireClientCertificates"/>
    /// false) only a loopback address is accepted (validation refuses the start otherwise).
    /// </summary>
    [Required]
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Embedded only: the port of the mutual-TLS endpoint for enrolled devices and the fleet's own clients (client
    /// certificate issued by the fleet CA required; a device may only use its own <c>vsa/v1/{deviceId}/…</c> topics).
    /// Default 8883. It listens on <see cref="BindAddress"/> like the plain port.
    /// </summary>
    [Range(1, 65535)]
    public int TlsPort { get; set; } = 8883;

    /// <summary>
    /// Embedded only. Default true: the broker has only its mutual-TLS endpoint (<see cref="TlsPort"/>); every client
    /// presents a certificate of the fleet CA (an enrolled device, or the fleet's own service identity). False opens the
    /// plain endpoint (<see cref="Port"/>) as well, for a test bench: loopback only, and READ-ONLY for its clients, who may
    /// subscribe to the devices' alerts, health, status and events (a local bench viewer), never to a fleet→device topic
    /// (<see cref="Vsa.Edge.Contracts.Topics.FleetToDeviceLeaves"/>), and may publish nothing — unless
    /// <see cref="BenchDevicesMayPublish"/>. The fleet's own clients connect over mutual TLS either way (docs/trust.md).
    /// </summary>
    public bool RequireClientCertificates { get; set; } = true;

    /// <summary>
    /// Embedded test bench only (needs <see cref="RequireClientCertificates"/> false): a client of the plain endpoint whose
    /// client id names a device (<c>{deviceId}</c>, or <c>vsa-agent-{deviceId}</c> as the agent names itself without
    /// credentials) may publish that device's own alerts, health, status, events and reported configuration — for replays and
    /// tests that publish as devices without enrolling them. Never a fleet→device topic. Default false; the broker logs a
    /// warning at start when it is on.
    /// </summary>
    public bool BenchDevicesMayPublish { get; set; }

    /// <summary>
    /// Embedded only: the largest MQTT packet (fixed header included) a client may send, in bytes. A client that announces a
    /// larger packet is disconnected as soon as its length is read, before any of the payload is buffered. Default 262144
    /// (256 KiB: an alert or a desired configuration is a few KiB); at least 1024, at most 268435460 (MQTT's own limit).
    /// <c>vsa-fleet broker mosquitto-config</c> writes the same limit as Mosquitto's <c>max_packet_size</c>.
    /// </summary>
    [Range(1024, 268435460)]
    public int MaxPacketSize { get; set; } = DefaultMaxPacketSize;

    /// <summary>The default of <see cref="MaxPacketSize"/>: 256 KiB.</summary>
    public const int DefaultMaxPacketSize = 256 * 1024;

    /// <summary>
    /// Embedded only: the largest CONNECT packet, the first packet of every connection, in bytes (or <see cref="MaxPacketSize"/>
    /// when that is smaller). A device's CONNECT (client id, keep-alive, its offline last will) is a few hundred bytes; a
    /// client announcing more is disconnected before it sent the body, so nobody holds a connection open on the promise of a
    /// large CONNECT.
    /// </summary>
    public const int MaxConnectPacketSize = 16 * 1024;

    /// <summary>
    /// Embedded only: how long a client has, once its TLS handshake is over (or once accepted on the plain bench endpoint), to
    /// send a complete CONNECT; a client still silent (or still sending it) then is disconnected. Default 10 s; between
    /// 100 ms and 2 min. MQTTnet's own bound is its 100 s communication timeout, which is long enough for one enrolled
    /// certificate to hold thousands of pending connections.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:02:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Embedded only: how many connections one client certificate (a device's, by its SHA-256 thumbprint) may hold at once,
    /// counted from its TLS handshake, CONNECT sent or not; one more fails its handshake. An agent holds one (two for a moment
    /// while it reconnects). The fleet's own service certificate is not counted. Default 4; between 1 and 1000.
    /// </summary>
    [Range(1, 1000)]
    public int MaxConnectionsPerCertificate { get; set; } = 4;

    /// <summary>
    /// Embedded only: how many connections the broker holds at once, all endpoints together, counted from the accept (TLS
    /// handshake not yet done included); one more is closed at once. Default 20000; between 10 and 1000000.
    /// </summary>
    [Range(10, 1_000_000)]
    public int MaxConnections { get; set; } = 20_000;

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

    /// <summary>
    /// Whether the fleet's own clients (ingestion, desired-configuration publisher) connect over TLS with the fleet's service
    /// certificate: always to the embedded broker, as <see cref="UseTls"/> says to an external one.
    /// </summary>
    public bool ConnectsWithTls => Mode == BrokerMode.External ? UseTls : true;

    /// <summary>The port the fleet's own clients connect to: the mutual-TLS port of the embedded broker, else <see cref="Port"/>.</summary>
    public int ConnectPort => Mode == BrokerMode.Embedded ? TlsPort : Port;

    /// <summary>Whether the embedded broker opens its plain test-bench endpoint.</summary>
    public bool OpensPlainPort => Mode == BrokerMode.Embedded && !RequireClientCertificates;

    /// <summary>Human-readable endpoint, for logs and the status API.</summary>
    public string Endpoint => $"{(ConnectsWithTls ? "mqtts" : "mqtt")}://{(ConnectHost.Contains(':', StringComparison.Ordinal) ? $"[{ConnectHost}]" : ConnectHost)}:{ConnectPort}";
}
