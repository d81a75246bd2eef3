using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts.Files;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Trust;

/// <summary>
/// The fleet CA: an ECDSA P-256 self-signed certificate authority created at first start in <see cref="TrustOptions.Directory"/>
/// (private key in <c>ca.key</c>, mode 0600, never leaves the machine). It signs device certificates from their CSRs, the
/// broker's server certificate and the fleet's own service certificate, and publishes the revocation list.
/// </summary>
public sealed partial class FleetCertificateAuthority : IDisposable
{
    /// <summary>Client-authentication extended key usage.</summary>
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Server-authentication extended key usage.</summary>
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TrustOptions _options;
    private X509Certificate2? _ca;
    private X509Certificate2? _server;
    private X509Certificate2? _service;

    /// <summary>Creates the authority over <paramref name="directory"/>; files are read or created on first use.</summary>
    public FleetCertificateAuthority(string directory, TrustOptions options, TimeProvider time, ILogger<FleetCertificateAuthority> logger)
    {
        Directory = directory;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>DI constructor: the folder comes from <see cref="TrustOptions.Directory"/>, else <c>{DataDirectory}/trust</c>.</summary>
    public FleetCertificateAuthority(IOptions<TrustOptions> options, IOptions<StorageOptions> storage, IHostEnvironment environment, TimeProvider time, ILogger<FleetCertificateAuthority> logger)
        : this(ResolveDirectory(options.Value, storage.Value, environment.ContentRootPath), options.Value, time, logger)
    {
    }

    /// <summary>The folder of the CA files.</summary>
    public string Directory { get; }

    /// <summary>Path of the CA certificate (PEM), what devices and brokers trust.</summary>
    public string CaCertificatePath => Path.Combine(Directory, "ca.crt");

    /// <summary>Path of the certificate revocation list (PEM), rewritten at every revocation.</summary>
    public string CrlPath => Path.Combine(Directory, "crl.pem");

    /// <summary>The CA certificate (with its private key).</summary>
    public X509Certificate2 Certificate => Ensure();

    /// <summary>The CA certificate in PEM, for devices.</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>
    /// The embedded broker's server certificate, issued at this start for <c>localhost</c>, the loopback addresses and
    /// <see cref="TrustOptions.ServerHostNames"/>.
    /// </summary>
    public X509Certificate2 ServerCertificate
    {
        get
        {
            lock (_gate)
            {
                return _server ??= IssueServer(_options.ServerHostNames);
            }
        }
    }

    /// <summary>The fleet's own client certificate (CN <see cref="TrustOptions.ServiceIdentity"/>), issued at this start.</summary>
    public X509Certificate2 ServiceCertificate
    {
        get
        {
            lock (_gate)
            {
                return _service ??= IssueService();
            }
        }
    }

    /// <summary>The folder of the CA files for the given settings.</summary>
    public static string ResolveDirectory(TrustOptions options, StorageOptions storage, string contentRoot) =>
        Path.GetFullPath(options.Directory ?? Path.Combine(storage.DataDirectory, "trust"), contentRoot);

    /// <summary>Whether <paramref name="certificate"/> chains to this CA (signature, validity at the fleet clock, EKU).</summary>
    public bool Verifies(X509Certificate2 certificate, string extendedKeyUsageOid)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(extendedKeyUsageOid));
        return chain.Build(certificate) && chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(Certificate.RawDataMemory.Span);
    }

    /// <summary>Signs a device certificate for an already validated CSR: CN = device id, OU = site, client authentication only.</summary>
    public X509Certificate2 IssueDevice(DeviceCsr csr, string site)
    {
        ArgumentNullException.ThrowIfNull(csr);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("Vsa.Edge fleet");
        subject.AddOrganizationalUnitName(site);
        subject.AddCommonName(csr.DeviceId);
        var request = new CertificateRequest(subject.Build(), csr.PublicKey, HashAlgorithmName.SHA256);
        var usage = X509KeyUsageFlags.DigitalSignature | (csr.IsRsa ? X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.None);
        return Sign(request, usage, ClientAuthOid, sans: null, _options.DeviceCertificateLifetime);
    }

    /// <summary>Issues a server certificate for <paramref name="hostNames"/> (plus the loopback names), e.g. for an external Mosquitto.</summary>
    public X509Certificate2 IssueServer(IEnumerable<string> hostNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("Vsa.Edge fleet");
        subject.AddCommonName("vsa-fleet broker");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        var sans = new SubjectAlternativeNameBuilder();
        sans.AddDnsName("localhost");
        sans.AddIpAddress(IPAddress.Loopback);
        sans.AddIpAddress(IPAddress.IPv6Loopback);
        foreach (var host in hostNames.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(host, out var ip))
            {
                sans.AddIpAddress(ip);
            }
            else if (!string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                sans.AddDnsName(host);
            }
        }

        using var signed = Sign(request, X509KeyUsageFlags.DigitalSignature, ServerAuthOid, sans.Build(), TimeSpan.FromDays(397));
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// Writes the certificate revocation list for <paramref name="revoked"/> to <see cref="CrlPath"/> (PEM, what Mosquitto's
    /// <c>crlfile</c> reads). The CRL number grows with the fleet clock, so a newer list always has a larger number.
    /// </summary>
    public void PublishRevocationList(IReadOnlyCollection<RevokedCertificate> revoked)
    {
        ArgumentNullException.ThrowIfNull(revoked);
        var builder = new CertificateRevocationListBuilder();
        foreach (var entry in revoked)
        {
            builder.AddEntry(Convert.FromHexString(entry.Serial), entry.RevokedAt, X509RevocationReason.CessationOfOperation);
        }

        var now = _time.GetUtcNow();
        var number = new BigInteger(now.ToUnixTimeMilliseconds());
        var der = builder.Build(Certificate, number, now.AddDays(30), HashAlgorithmName.SHA256, thisUpdate: now);
        var pem = PemEncoding.WriteString("X509 CRL", der);
        ProtectedFile.Replace(CrlPath, pem + "\n", OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        LogCrlPublished(_logger, CrlPath, revoked.Count);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _ca?.Dispose();
        _server?.Dispose();
        _service?.Dispose();
    }

    private X509Certificate2 IssueService()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("Vsa.Edge fleet");
        subject.AddOrganizationalUnitName("service");
        subject.AddCommonName(TrustOptions.ServiceIdentity);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        using var signed = Sign(request, X509KeyUsageFlags.DigitalSignature, ClientAuthOid, sans: null, TimeSpan.FromDays(30));
        return signed.CopyWithPrivateKey(key);
    }

    private X509Certificate2 Sign(CertificateRequest request, X509KeyUsageFlags usage, string eku, X509Extension? sans, TimeSpan lifetime)
    {
        var ca = Certificate;
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (sans is not null)
        {
            request.CertificateExtensions.Add(sans);
        }

        // Back-dated a little: a device whose clock lags by a few minutes must not see a certificate "not yet valid".
        var now = _time.GetUtcNow();
        var notAfter = now + lifetime < ca.NotAfter ? now + lifetime : new DateTimeOffset(ca.NotAfter.ToUniversalTime());
        return request.Create(ca, now.AddMinutes(-5), notAfter, NewSerial());
    }

    private X509Certificate2 Ensure()
    {
        lock (_gate)
        {
            return _ca ??= LoadOrCreate();
        }
    }

    private X509Certificate2 LoadOrCreate()
    {
        var keyPath = Path.Combine(Directory, "ca.key");
        if (File.Exists(CaCertificatePath) && File.Exists(keyPath))
        {
            return X509Certificate2.CreateFromPemFile(CaCertificatePath, keyPath);
        }

        if (File.Exists(CaCertificatePath) || File.Exists(keyPath))
        {
            throw new InvalidOperationException($"The fleet CA in {Directory} is incomplete (ca.crt and ca.key go together). Restore both from the backup.");
        }

        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            // Traversable by others (a co-located Mosquitto reads crl.pem and ca.crt); ca.key itself is 0600.
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("Vsa.Edge fleet");
        subject.AddCommonName($"Vsa.Edge fleet CA {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = _time.GetUtcNow();
        using var ca = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(20));

        // The key file is created with mode 0600 from the start, never readable by others even for an instant.
        ProtectedFile.Create(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n", OwnerOnly);
        ProtectedFile.Create(CaCertificatePath, ca.ExportCertificatePem() + "\n", OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        LogCreated(_logger, Directory);
        return X509Certificate2.CreateFromPemFile(CaCertificatePath, keyPath);
    }

    private static byte[] NewSerial()
    {
        // 16 random bytes, positive (high bit clear) and never starting with a zero byte, so the hex form is stable.
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x10);
        return serial;
    }

    [LoggerMessage(EventId = 12708, Level = LogLevel.Warning, Message = "Created a new fleet CA in {Directory}: back up ca.key and ca.crt")]
    private static partial void LogCreated(ILogger logger, string directory);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Certificate revocation list written to {Path} ({Count} revoked)")]
    private static partial void LogCrlPublished(ILogger logger, string path, int count);
}

/// <summary>A revoked certificate, as the CRL lists it.</summary>
/// <param name="Serial">Serial number, upper-case hex.</param>
/// <param name="RevokedAt">When it was revoked.</param>
public sealed record RevokedCertificate(string Serial, DateTimeOffset RevokedAt);
