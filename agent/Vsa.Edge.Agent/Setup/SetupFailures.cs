using System.Net;
using System.Net.Sockets;

namespace Vsa.Edge.Agent.Setup;

/// <summary>
/// The wrong one-time codes typed on the set-up page since the current code was issued, per client and in all. A client
/// (an IPv4 address, or an IPv6 /64: one machine picks new IPv6 addresses in its prefix at will) is locked after
/// <see cref="SetupAccess.MaxFailures"/> wrong codes, which does not lock anyone else: someone on the pole's LAN cannot lock
/// the installer out by guessing first. <see cref="SetupAccess.MaxFailuresPerCode"/> wrong codes from all clients together
/// lock the page for everyone (many addresses guessing at once), until the installer presses Enter on the pole's terminal
/// for a new code. The table is bounded (<see cref="MaxClients"/>): a client beyond it counts in the total only. Not
/// thread-safe (<see cref="SetupAccess"/> holds its lock).
/// </summary>
internal sealed class SetupFailures
{
    /// <summary>Clients counted one by one; more are counted only in the total (which is bounded by its own cap).</summary>
    public const int MaxClients = 256;

    private readonly Dictionary<string, int> _byClient = new(StringComparer.Ordinal);

    /// <summary>Wrong codes from every client.</summary>
    public int Total { get; private set; }

    /// <summary>The client a request comes from: its IPv4 address, or its IPv6 /64 prefix; "unknown" without an address.</summary>
    public static string ClientOf(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }

    /// <summary>Wrong codes from <paramref name="client"/>.</summary>
    public int Of(string client) => _byClient.GetValueOrDefault(client);

    /// <summary>Whether <paramref name="client"/> may try no more: its own failures, or everyone's, reached their cap.</summary>
    public bool IsLocked(string client) => PageLocked || Of(client) >= SetupAccess.MaxFailures;

    /// <summary>Whether every client is locked (the total reached <see cref="SetupAccess.MaxFailuresPerCode"/>).</summary>
    public bool PageLocked => Total >= SetupAccess.MaxFailuresPerCode;

    /// <summary>Tries <paramref name="client"/> has left.</summary>
    public int TriesLeft(string client) =>
        Math.Max(0, Math.Min(SetupAccess.MaxFailures - Of(client), SetupAccess.MaxFailuresPerCode - Total));

    /// <summary>Counts a wrong code from <paramref name="client"/>.</summary>
    public void Count(string client)
    {
        Total++;
        if (_byClient.TryGetValue(client, out var count))
        {
            _byClient[client] = count + 1;
        }
        else if (_byClient.Count < MaxClients)
        {
            _byClient[client] = 1;
        }
    }

    /// <summary>Forgets every wrong code (a new code was issued).</summary>
    public void Clear()
    {
        _byClient.Clear();
        Total = 0;
    }
}

/// <summary>Who the set-up page locked: one client (<paramref name="client"/>), or everyone (null).</summary>
internal sealed class SetupLockedEventArgs(string? client) : EventArgs
{
    /// <summary>The client locked out (an address or an IPv6 /64), or null when the page is locked for everyone.</summary>
    public string? Client { get; } = client;
}
