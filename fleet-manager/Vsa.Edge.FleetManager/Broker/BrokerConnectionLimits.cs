using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>
/// The embedded broker's connection counts: all connections together (<see cref="BrokerOptions.MaxConnections"/>, taken at
/// accept) and those of each client certificate (<see cref="BrokerOptions.MaxConnectionsPerCertificate"/>, taken during
/// the TLS handshake). Every slot taken is given back when its connection ends. Thread-safe; <see cref="Changed"/> is raised
/// after every change, on the thread that made it.
/// </summary>
public sealed class BrokerConnectionLimits(int maxConnections, int maxPerCertificate)
{
    private readonly ConcurrentDictionary<string, int> _perCertificate = new(StringComparer.Ordinal);
    private int _open;

    /// <summary>Raised after a connection took or gave back a slot.</summary>
    public event EventHandler? Changed;

    /// <summary>The key a certificate's connections are counted under: its SHA-256 thumbprint.</summary>
    public static string KeyOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    /// <summary>Connections held now, all endpoints together.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Takes a slot for a new connection; false (nothing taken) when <c>maxConnections</c> are already held.</summary>
    public bool TryOpen()
    {
        if (Interlocked.Increment(ref _open) <= maxConnections)
        {
            Changed?.Invoke(this, EventArgs.Empty);
            return true;
        }

        Interlocked.Decrement(ref _open);
        return false;
    }

    /// <summary>Gives back the slot of <see cref="TryOpen"/>.</summary>
    public void Close()
    {
        Interlocked.Decrement(ref _open);
        Changed?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Connections held now with the certificate <paramref name="key"/>.</summary>
    public int OpenWith(string key) => _perCertificate.TryGetValue(key, out var count) ? count : 0;

    /// <summary>Takes a slot for certificate <paramref name="key"/>; false (nothing taken) when it holds its maximum already.</summary>
    public bool TryOpenWith(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        while (true)
        {
            if (!_perCertificate.TryGetValue(key, out var count))
            {
                if (_perCertificate.TryAdd(key, 1))
                {
                    Changed?.Invoke(this, EventArgs.Empty);
                    return true;
                }

                continue;
            }

            if (count >= maxPerCertificate)
            {
                return false;
            }

            if (_perCertificate.TryUpdate(key, count + 1, count))
            {
                Changed?.Invoke(this, EventArgs.Empty);
                return true;
            }
        }
    }

    /// <summary>Gives back a slot of <see cref="TryOpenWith"/>; the entry goes when its last connection does.</summary>
    public void CloseWith(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        while (_perCertificate.TryGetValue(key, out var count))
        {
            if (count <= 1
                ? _perCertificate.TryRemove(new KeyValuePair<string, int>(key, count))
                : _perCertificate.TryUpdate(key, count - 1, count))
            {
                Changed?.Invoke(this, EventArgs.Empty);
                return;
            }
        }
    }
}
