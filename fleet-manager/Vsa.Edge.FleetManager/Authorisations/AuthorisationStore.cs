using System.Data.Common;
using System.Text.Json;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Authorisations;

/// <summary>
/// The prefectoral authorisations in the fleet database (table <c>authorisations</c>). A fleet holds tens of them, so the
/// checks read them all and filter in memory rather than index cameras. Writes run inside the caller's transaction, so the
/// change, the desired configurations it re-issues and their audit entries commit together.
/// </summary>
public sealed class AuthorisationStore(FleetDatabase database)
{
    private const string Columns = "authorisation_id, reference, service, events, cameras, starts_at, ends_at, document_url, created_by, created_at, updated_by, updated_at, authority, purpose";

    /// <summary>Every authorisation, by start then reference.</summary>
    public async Task<IReadOnlyList<AuthorisationView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ListAsync(connection, null, cancellationToken);
    }

    /// <summary>Every authorisation, by start then reference, in the caller's transaction.</summary>
    public async Task<IReadOnlyList<AuthorisationView>> ListAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"SELECT {Columns} FROM authorisations ORDER BY starts_at, reference;");
        var list = new List<AuthorisationView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = reader.Columns(database.Dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(columns));
        }

        return list;
    }

    /// <summary>One authorisation, or null.</summary>
    public async Task<AuthorisationView?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, id, cancellationToken);
    }

    /// <summary>One authorisation in the caller's transaction, or null.</summary>
    public async Task<AuthorisationView?> FindAsync(DbConnection connection, DbTransaction? transaction, long id, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"SELECT {Columns} FROM authorisations WHERE authorisation_id = @id;").With("@id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader.Columns(database.Dialect)) : null;
    }

    /// <summary>Whether another authorisation than <paramref name="exceptId"/> has <paramref name="reference"/>.</summary>
    public static async Task<bool> ReferenceTakenAsync(DbConnection connection, DbTransaction transaction, string reference, long? exceptId, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, "SELECT COUNT(*) FROM authorisations WHERE reference = @reference AND (@except IS NULL OR authorisation_id <> @except);")
            .With("@reference", reference).With("@except", exceptId);
        return await command.ScalarInt64Async(cancellationToken) > 0;
    }

    /// <summary>Inserts an authorisation in the caller's transaction.</summary>
    public async Task<AuthorisationView> InsertAsync(DbConnection connection, DbTransaction transaction, ValidAuthorisation value, string actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"""
            INSERT INTO authorisations (reference, service, events, cameras, starts_at, ends_at, document_url, created_by, created_at, updated_by, updated_at, authority, purpose)
            VALUES (@reference, @service, @events, @cameras, @starts, @ends, @document, @actor, @now, @actor, @now, @authority, @purpose)
            RETURNING {Columns};
            """);
        Bind(command, value, actor, now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Read(reader.Columns(database.Dialect));
    }

    /// <summary>Replaces an authorisation in the caller's transaction; null when there is none with that id.</summary>
    public async Task<AuthorisationView?> UpdateAsync(DbConnection connection, DbTransaction transaction, long id, ValidAuthorisation value, string actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"""
            UPDATE authorisations SET reference = @reference, service = @service, events = @events, cameras = @cameras,
                starts_at = @starts, ends_at = @ends, document_url = @document, updated_by = @actor, updated_at = @now,
                authority = @authority, purpose = @purpose
            WHERE authorisation_id = @id
            RETURNING {Columns};
            """);
        Bind(command, value, actor, now);
        command.With("@id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader.Columns(database.Dialect)) : null;
    }

    private void Bind(DbCommand command, ValidAuthorisation value, string actor, DateTimeOffset now)
    {
        var dialect = database.Dialect;
        command.With("@reference", value.Reference).With("@service", value.Service).With("@document", value.DocumentUrl).With("@actor", actor)
            .With("@authority", value.Authority).With("@purpose", value.Purpose);
        dialect.AddJson(command, "@events", JsonSerializer.Serialize(value.Events, FleetJsonContext.Default.IReadOnlyListString));
        dialect.AddJson(command, "@cameras", JsonSerializer.Serialize(value.Cameras, FleetJsonContext.Default.IReadOnlyListAuthorisedCamera));
        dialect.AddTime(command, "@starts", value.StartsAt);
        dialect.AddTime(command, "@ends", value.EndsAt);
        dialect.AddTime(command, "@now", now);
    }

    private static AuthorisationView Read(NamedColumns r) => new(
        Id: r.Int64("authorisation_id"),
        Reference: r.String("reference"),
        Service: r.String("service"),
        Events: JsonSerializer.Deserialize(r.String("events"), FleetJsonContext.Default.IReadOnlyListString) ?? [],
        Cameras: JsonSerializer.Deserialize(r.String("cameras"), FleetJsonContext.Default.IReadOnlyListAuthorisedCamera) ?? [],
        StartsAt: r.Time("starts_at"),
        EndsAt: r.Time("ends_at"),
        DocumentUrl: r.StringOrNull("document_url"),
        CreatedBy: r.String("created_by"),
        CreatedAt: r.Time("created_at"),
        UpdatedBy: r.String("updated_by"),
        UpdatedAt: r.Time("updated_at"),
        Authority: r.StringOrNull("authority"),
        Purpose: r.StringOrNull("purpose"));
}
