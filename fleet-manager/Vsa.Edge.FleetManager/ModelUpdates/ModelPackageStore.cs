using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts.ModelPackages;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.ModelUpdates;

/// <summary>A stored model package, as the API lists it.</summary>
/// <param name="Sha256">Lower-case hex SHA-256 of the whole package file: its name in the store and in <c>DesiredModel.Sha256</c>.</param>
/// <param name="Id">Model id (signed metadata).</param>
/// <param name="Version">Package version (signed metadata).</param>
/// <param name="Kind"><c>detector</c> or <c>pose</c>.</param>
/// <param name="Size">Size of the package file in bytes.</param>
/// <param name="Categories">Categories the model provides.</param>
/// <param name="MinAgentVersion">Oldest agent that can run it.</param>
/// <param name="KeyId">The model-signing key that signed it.</param>
/// <param name="MetadataSha256">SHA-256 of the signed metadata bytes.</param>
/// <param name="CreatedAt">When it was packed.</param>
/// <param name="ExpiresAt">When its signed metadata expires (devices refuse it after).</param>
/// <param name="UploadedAt">When it was uploaded.</param>
/// <param name="UploadedBy">Who uploaded it.</param>
public sealed record ModelPackageView(
    string Sha256, string Id, string Version, string Kind, long Size, IReadOnlyList<string> Categories, string MinAgentVersion,
    string KeyId, string MetadataSha256, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset UploadedAt, string UploadedBy);

/// <summary>What became of an upload: the stored package, or why it was refused.</summary>
/// <param name="Package">The stored package (also when the very same file was already stored).</param>
/// <param name="AlreadyStored">The same bytes were stored before: nothing new was written or audited.</param>
/// <param name="Refusal">Why not: the verifier's reason (<c>untrusted</c>, <c>altered</c>, <c>expired</c>, <c>downgrade</c>, <c>malformed</c>) and what exactly.</param>
public sealed record ModelUpload(ModelPackageView? Package, bool AlreadyStored, ModelPackageException? Refusal);

/// <summary>Audit actions of model delivery.</summary>
public static class ModelAuditActions
{
    /// <summary>A model package uploaded and stored.</summary>
    public const string Upload = "model.upload";

    /// <summary>A model assigned to a device (its desired state names it), by hand or by a rollout.</summary>
    public const string Assign = "model.assign";
}

/// <summary>
/// The fleet's model packages: each file stored once under its SHA-256 (<c>{Directory}/packages/{sha256}.vsamodel</c>,
/// content-addressed: the name is the proof of the content, a download serves exactly what was verified), its signed
/// metadata in <c>model_packages</c>. An upload is streamed to <c>incoming/</c> with a size limit while it is hashed, verified
/// with the contracts' <see cref="ModelPackageVerifier"/> against the trusted model-signing keys, refused unless newer than
/// every stored version of the same id, then renamed into place and recorded with its audit entry in one transaction.
/// </summary>
public sealed class ModelPackageStore(FleetDatabase database, IAuditLog audit, ModelSigningKeyring keys, IOptions<ModelOptions> options, IOptions<StorageOptions> storage, IHostEnvironment environment, TimeProvider time)
{
    private const string Columns = "sha256, model_id, version, kind, size, categories, min_agent_version, key_id, metadata_sha256, created_at, expires_at, uploaded_at, uploaded_by";

    /// <summary>The folder of the packages.</summary>
    public string Directory { get; } = Path.GetFullPath(options.Value.Directory ?? Path.Combine(storage.Value.DataDirectory, "models"), environment.ContentRootPath);

    /// <summary>Where the package of <paramref name="sha256"/> is (or would be) stored.</summary>
    public string PathOf(string sha256) => IsSha256(sha256)
        ? Path.Combine(Directory, "packages", sha256 + ".vsamodel")
        : throw new ArgumentException($"'{sha256}' is not a lower-case hex SHA-256.", nameof(sha256));

    /// <summary>Whether <paramref name="value"/> is 64 lower-case hex digits.</summary>
    public static bool IsSha256(string? value) => value is { Length: 64 } && value.All(char.IsAsciiHexDigitLower);

    /// <summary>
    /// Reads a package from <paramref name="content"/> (at most <see cref="ModelOptions.MaxPackageBytes"/>), verifies and stores
    /// it. A refusal leaves nothing behind.
    /// </summary>
    /// <exception cref="ModelPackageTooLargeException">The content is larger than the limit.</exception>
    public async Task<ModelUpload> UploadAsync(Stream content, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var incoming = Path.Combine(Directory, "incoming");
        System.IO.Directory.CreateDirectory(incoming);
        var temp = Path.Combine(incoming, $"{Guid.NewGuid():N}.part");
        try
        {
            var (sha256, size) = await CopyAsync(content, temp, options.Value.MaxPackageBytes, cancellationToken);
            if (await FindAsync(sha256, cancellationToken) is { } existing)
            {
                return new ModelUpload(existing, true, null);
            }

            VerifiedModelPackage verified;
            try
            {
                verified = ModelPackageVerifier.Verify(temp, keys.Verifier, new PackageChecks(time.GetUtcNow()));
            }
            catch (ModelPackageException refused)
            {
                return new ModelUpload(null, false, keys.SubjectPublicKeyInfos.Count == 0 && refused.Reason == ModelPackageRefusal.Untrusted
                    ? new ModelPackageException(ModelPackageRefusal.Untrusted, $"{refused.Message} (no model-signing key is trusted: set {ModelOptions.SectionName}:SigningKeys)")
                    : refused);
            }

            var m = verified.Metadata;
            var view = new ModelPackageView(sha256, m.Id, m.Version, m.Kind, size, m.Categories, m.MinAgentVersion, verified.KeyId, verified.MetadataSha256,
                SqlDialect.Normalise(m.CreatedAt), SqlDialect.Normalise(m.ExpiresAt), SqlDialect.Normalise(time.GetUtcNow()), actor);
            var target = PathOf(sha256);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            return await database.InTransactionAsync(async (connection, transaction) =>
            {
                var lockSql = database.Dialect.LockTableSql("model_packages");
                if (lockSql.Length > 0)
                {
                    await using var lockTable = connection.Sql(transaction, lockSql);
                    await lockTable.ExecuteNonQueryAsync(cancellationToken);
                }

                if (await NewestVersionAsync(connection, transaction, m.Id, cancellationToken) is { } newest && ModelPackageFormat.CompareVersions(m.Version, newest) <= 0)
                {
                    return new ModelUpload(null, false, new ModelPackageException(ModelPackageRefusal.Downgrade, $"{m.Id} {m.Version} is not newer than the stored {newest}"));
                }

                // Renamed before the row commits: a crash between leaves an unreferenced file (the next upload of it reuses
                // the name), never a row without its file.
                File.Move(temp, target, overwrite: true);
                await InsertAsync(connection, transaction, view, cancellationToken);
                await audit.AppendAsync(connection, transaction, new AuditEvent(actor, ModelAuditActions.Upload, $"model:{m.Id}", new JsonObject
                {
                    ["sha256"] = sha256,
                    ["id"] = m.Id,
                    ["version"] = m.Version,
                    ["kind"] = m.Kind,
                    ["size"] = size,
                    ["keyId"] = verified.KeyId,
                    ["metadataSha256"] = verified.MetadataSha256,
                }), cancellationToken);
                return new ModelUpload(view, false, null);
            }, cancellationToken);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The package stored under <paramref name="sha256"/>, or null.</summary>
    public async Task<ModelPackageView?> FindAsync(string sha256, CancellationToken cancellationToken)
    {
        if (!IsSha256(sha256))
        {
            return null;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"SELECT {Columns} FROM model_packages WHERE sha256 = @sha;").With("@sha", sha256);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader.Columns(database.Dialect)) : null;
    }

    /// <summary>Every stored package, by model id then newest version first.</summary>
    public async Task<IReadOnlyList<ModelPackageView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"SELECT {Columns} FROM model_packages;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<ModelPackageView>();
        var columns = reader.Columns(database.Dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(columns));
        }

        return [.. list.OrderBy(p => p.Id, StringComparer.Ordinal).ThenByDescending(p => p.Version, Comparer<string>.Create(ModelPackageFormat.CompareVersions))];
    }

    private static async Task<(string Sha256, long Size)> CopyAsync(Stream content, string temp, long limit, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long size = 0;
        await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                size += read;
                if (size > limit)
                {
                    throw new ModelPackageTooLargeException(limit);
                }

                hash.AppendData(buffer, 0, read);
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            await output.FlushAsync(cancellationToken);
            output.Flush(flushToDisk: true);
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
    }

    private static async Task<string?> NewestVersionAsync(DbConnection connection, DbTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, "SELECT version FROM model_packages WHERE model_id = @id;").With("@id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        string? newest = null;
        var columns = reader.Columns();
        while (await reader.ReadAsync(cancellationToken))
        {
            var version = columns.String("version");
            newest = newest is null || ModelPackageFormat.CompareVersions(version, newest) > 0 ? version : newest;
        }

        return newest;
    }

    private async Task InsertAsync(DbConnection connection, DbTransaction transaction, ModelPackageView p, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"""
            INSERT INTO model_packages ({Columns})
            VALUES (@sha, @id, @version, @kind, @size, @categories, @min_agent, @key_id, @metadata_sha, @created, @expires, @uploaded, @by);
            """);
        command.With("@sha", p.Sha256).With("@id", p.Id).With("@version", p.Version).With("@kind", p.Kind).With("@size", p.Size)
            .With("@categories", JsonSerializer.Serialize(p.Categories, ModelJsonContext.Default.IReadOnlyListString))
            .With("@min_agent", p.MinAgentVersion).With("@key_id", p.KeyId).With("@metadata_sha", p.MetadataSha256).With("@by", p.UploadedBy);
        database.Dialect.AddTime(command, "@created", p.CreatedAt);
        database.Dialect.AddTime(command, "@expires", p.ExpiresAt);
        database.Dialect.AddTime(command, "@uploaded", p.UploadedAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static ModelPackageView Read(NamedColumns c) => new(
        c.String("sha256"), c.String("model_id"), c.String("version"), c.String("kind"), c.Int64("size"),
        JsonSerializer.Deserialize(c.String("categories"), ModelJsonContext.Default.IReadOnlyListString) ?? [],
        c.String("min_agent_version"), c.String("key_id"), c.String("metadata_sha256"),
        c.Time("created_at"), c.Time("expires_at"), c.Time("uploaded_at"), c.String("uploaded_by"));
}

/// <summary>An upload larger than <see cref="ModelOptions.MaxPackageBytes"/>.</summary>
public sealed class ModelPackageTooLargeException : Exception
{
    public ModelPackageTooLargeException()
        : this(0)
    {
    }

    public ModelPackageTooLargeException(string message)
        : base(message)
    {
    }

    public ModelPackageTooLargeException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>An upload over <paramref name="limit"/> bytes.</summary>
    public ModelPackageTooLargeException(long limit)
        : base($"the package is larger than {limit} bytes ({ModelOptions.SectionName}:MaxPackageBytes)") => Limit = limit;

    /// <summary>The limit in bytes.</summary>
    public long Limit { get; }
}
