using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts.Files;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Trust;

/// <summary>
/// The key the fleet signs desired state with (every desired configuration; later model metadata and suspension commands):
/// ECDSA P-256, deliberately not the fleet CA's key, so a leak of one does not give the other. Created at first start as
/// <c>{DataDirectory}/signing/desired-state.key</c> (PKCS #8 PEM, mode 0600, folder 0700), or read from
/// <see cref="TrustOptions.DesiredStateKeyPath"/> (which must then exist: a missing configured key is an error, never silently
/// replaced — every device would refuse the new one).
/// </summary>
public sealed partial class DesiredStateSigningKey : IDisposable
{
    /// <summary>The algorithm, as the API names it: ECDSA P-256 with SHA-256, signature in IEEE P1363 form (r‖s).</summary>
    public const string Algorithm = "ES256";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly Lock _gate = new();
    private readonly bool _configured;
    private readonly ILogger _logger;
    private MessageSigner? _signer;

    /// <summary>A key at <paramref name="path"/>: created there on first use unless <paramref name="configured"/> (then it must exist).</summary>
    public DesiredStateSigningKey(string path, bool configured, ILogger<DesiredStateSigningKey> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
        _configured = configured;
        _logger = logger;
    }

    /// <summary>DI constructor: <see cref="TrustOptions.DesiredStateKeyPath"/>, else <c>{DataDirectory}/signing/desired-state.key</c>.</summary>
    public DesiredStateSigningKey(IOptions<TrustOptions> options, IOptions<StorageOptions> storage, IHostEnvironment environment, ILogger<DesiredStateSigningKey> logger)
        : this(ResolvePath(options.Value, storage.Value, environment.ContentRootPath), options.Value.DesiredStateKeyPath is not null, logger)
    {
    }

    /// <summary>The private key file.</summary>
    public string Path { get; }

    /// <summary>The signer (the key is read or created on first use).</summary>
    public MessageSigner Signer
    {
        get
        {
            lock (_gate)
            {
                return _signer ??= LoadOrCreate();
            }
        }
    }

    /// <summary>The key id devices see in every envelope.</summary>
    public string KeyId => Signer.KeyId;

    /// <summary>The public key as enrolment and <c>GET /api/trust/signing-key</c> give it.</summary>
    public SigningKeyView View => new(Signer.KeyId, Algorithm, Signer.PublicKeyPem);

    /// <summary>The key file for the given settings.</summary>
    public static string ResolvePath(TrustOptions options, StorageOptions storage, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storage);
        return System.IO.Path.GetFullPath(options.DesiredStateKeyPath ?? System.IO.Path.Combine(storage.DataDirectory, "signing", "desired-state.key"), contentRoot);
    }

    /// <inheritdoc />
    public void Dispose() => _signer?.Dispose();

    private MessageSigner LoadOrCreate()
    {
        if (File.Exists(Path))
        {
            try
            {
                var signer = new MessageSigner(SigningKeys.ReadPrivateKey(File.ReadAllText(Path)));
                LogLoaded(_logger, Path, signer.KeyId);
                return signer;
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"The desired-state signing key {Path} cannot be read: {ex.Message}", ex);
            }
        }

        if (_configured)
        {
            throw new InvalidOperationException($"The desired-state signing key {Path} ({TrustOptions.SectionName}:DesiredStateKeyPath) does not exist. Restore it from its backup; a new key would be refused by every enrolled device.");
        }

        var directory = System.IO.Path.GetDirectoryName(Path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var created = MessageSigner.CreateNew();
        try
        {
            // Created with mode 0600 from the start, never readable by others even for an instant.
            ProtectedFile.Create(Path, created.ExportPrivateKeyPem() + "\n", OwnerOnly);
        }
        catch
        {
            created.Dispose();
            throw;
        }

        LogCreated(_logger, Path, created.KeyId);
        return created;
    }

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Created a new desired-state signing key {Path} (key id {KeyId}): back it up; devices enrolled from now on trust it")]
    private static partial void LogCreated(ILogger logger, string path, string keyId);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Desired state is signed with {Path} (key id {KeyId})")]
    private static partial void LogLoaded(ILogger logger, string path, string keyId);
}
