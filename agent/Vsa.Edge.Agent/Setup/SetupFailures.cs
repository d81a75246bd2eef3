using System.Net;

namespace Vsa.Edge.Agent.Setup;

/// <summary>
/// The wrong one-time codes typed on the set-up page since the current code was issued, per client and in all. A client
/// (one address, IPv4 or IPv6) is locked after <see cref="SetupAccess.MaxFailures"/> wrong codes, which does not lock anyone
/// else: someone on the pole's LAN guessing from one address cannot lock the installer out. IPv6 addresses are not grouped by
/// /64: every host of the pole's LAN (link-local fe80::/64 or the LAN's advertised prefix) shares one, so a neighbour's guesses
/// would lock the installer. A machine that takes several addresses is bounded by the total instead:
/// <see cref="SetupAccess.MaxFailuresPerCode"/> wrong codes from all clients together lock the page for everyone, until the
/// installer presses Enter on the pole's terminal for a new code — so someone on the LAN with four or more addresses can still
/// make the installer press Enter again (a new code each time; guessing stays bounded). The table is bounded (<see cref="MaxClients"/>): a client beyond it counts in the total only. Not
/// thread-safe (<see cref="SetupAccess"/> holds its lock).
/// </summary>
internal sealed class SetupFailures
{
    /// <summary>Clients counted one by one; more are counted only in the total (which is bounded by its own cap).</summary>
    public const int MaxClients = 256;

    private readonly Dictionary<string, int> _byClient = new(StringComparer.Ordinal);

    /// <summary>Wrong codes from every client.</summary>
    public int Total { get; private set; }

    /// <summary>The client a request comes from: its address (an IPv4-mapped IPv6 address as IPv4); "unknown" without one.</summary>
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

        return address.ToString();
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
    /// <summary>The client locked out (an address), or null when the page is locked for everyone.</summary>
    public string? Client { get; } = client;
}
