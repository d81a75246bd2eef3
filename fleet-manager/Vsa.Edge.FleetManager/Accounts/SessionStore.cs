using System.Data.Common;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>Why a session ended before its time.</summary>
public static class SessionEndings
{
    /// <summary>The user signed out.</summary>
    public const string Logout = "logout";

    /// <summary>The account's password was changed (by its owner or an administrator).</summary>
    public const string PasswordChanged = "password";

    /// <summary>The account was disabled or its role changed.</summary>
    public const string AccountChanged = "account";

    /// <summary>No request within the idle lifetime.</summary>
    public const string Idle = "idle";
}

/// <summary>
/// Server-side browser sessions (table <c>sessions</c>), the cookie handler's <see cref="ITicketStore"/>: the cookie carries
/// only a random session id (protected by ASP.NET Core data protection), the ticket stays here and is read back on every
/// request. A session stops working the moment its row is revoked (sign-out, password change, account disabled), after
/// <see cref="AccountsOptions.SessionLifetime"/> without a request, and <see cref="AccountsOptions.SessionAbsoluteLifetime"/>
/// after sign-in whatever the activity. Only the SHA-256 of the id is stored, so reading the table does not yield cookies.
/// </summary>
public sealed class SessionStore(FleetDatabase database, IOptions<AccountsOptions> options, TimeProvider timeProvider) : ITicketStore
{
    /// <summary>Prefix of a session id (the value inside the protected cookie).</summary>
    public const string Prefix = "vsas_";

    // Writing last_seen_at on every request would turn every read into a write; a minute is far below any idle lifetime.
    private static readonly TimeSpan TouchGranularity = TimeSpan.FromMinutes(1);

    /// <inheritdoc />
    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, null, CancellationToken.None);

    /// <inheritdoc />
    public Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken) => StoreAsync(ticket, null, cancellationToken);

    /// <inheritdoc />
    public async Task<string> StoreAsync(AuthenticationTicket ticket, HttpContext? httpContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var accountId = FleetClaims.AccountId(ticket.Principal) ?? throw new InvalidOperationException("A session needs an account id.");
        var id = SecretTokens.New(Prefix);
        var now = timeProvider.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var insert = connection.Sql(null, """
            INSERT INTO sessions (session_hash, account_id, ticket, remote, created_at, last_seen_at, expires_at)
            VALUES (@hash, @account, @ticket, @remote, @now, @now, @expires);
            """))
        {
            insert.With("@hash", SecretTokens.HashOf(id)).With("@account", accountId).With("@ticket", Serialise(ticket))
                .With("@remote", httpContext?.Connection.RemoteIpAddress?.ToString());
            database.Dialect.AddTime(insert, "@now", now);
            database.Dialect.AddTime(insert, "@expires", now + options.Value.SessionAbsoluteLifetime);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        // Sign-ins are rare: the moment to forget sessions that ended a day ago or more.
        await using (var purge = connection.Sql(null, "DELETE FROM sessions WHERE expires_at < @before OR revoked_at < @before;"))
        {
            database.Dialect.AddTime(purge, "@before", now - TimeSpan.FromDays(1));
            await purge.ExecuteNonQueryAsync(cancellationToken);
        }

        return id;
    }

    /// <inheritdoc />
    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, CancellationToken.None);

    /// <inheritdoc />
    public async Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        // The cookie handler renews a sliding ticket: keep its new expiry, and count the request as activity.
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var update = connection.Sql(null, "UPDATE sessions SET ticket = @ticket, last_seen_at = @now WHERE session_hash = @hash AND revoked_at IS NULL;")
            .With("@ticket", Serialise(ticket)).With("@hash", SecretTokens.HashOf(key));
        database.Dialect.AddTime(update, "@now", timeProvider.GetUtcNow());
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, CancellationToken.None);

    /// <inheritdoc />
    public async Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken)
    {
        var hash = SecretTokens.HashOf(key);
        var now = timeProvider.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken);
        string ticket;
        DateTimeOffset lastSeen, expires;
        await using (var select = connection.Sql(null, "SELECT ticket, last_seen_at, expires_at FROM sessions WHERE session_hash = @hash AND revoked_at IS NULL;").With("@hash", hash))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            var c = reader.Columns(database.Dialect);
            (ticket, lastSeen, expires) = (c.String("ticket"), c.Time("last_seen_at"), c.Time("expires_at"));
        }

        if (now >= expires)
        {
            return null;
        }

        if (now - lastSeen >= options.Value.SessionLifetime)
        {
            await RevokeAsync(connection, null, "session_hash = @key", hash, SessionEndings.Idle, cancellationToken);
            return null;
        }

        if (now - lastSeen >= TouchGranularity)
        {
            await using var touch = connection.Sql(null, "UPDATE sessions SET last_seen_at = @now WHERE session_hash = @hash;").With("@hash", hash);
            database.Dialect.AddTime(touch, "@now", now);
            await touch.ExecuteNonQueryAsync(cancellationToken);
        }

        return TicketSerializer.Default.Deserialize(Convert.FromBase64String(ticket));
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key) => RemoveAsync(key, CancellationToken.None);

    /// <inheritdoc />
    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await RevokeAsync(connection, null, "session_hash = @key", SecretTokens.HashOf(key), SessionEndings.Logout, cancellationToken);
    }

    /// <summary>Ends every open session of an account inside the caller's transaction; returns how many.</summary>
    public Task<int> RevokeAccountAsync(DbConnection connection, DbTransaction transaction, long accountId, string reason, CancellationToken cancellationToken) =>
        RevokeAsync(connection, transaction, "account_id = @key", accountId, reason, cancellationToken);

    /// <summary>Open sessions of an account (not revoked, not past their absolute lifetime).</summary>
    public async Task<long> CountOpenAsync(long accountId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var count = connection.Sql(null, "SELECT COUNT(*) FROM sessions WHERE account_id = @account AND revoked_at IS NULL AND expires_at > @now;").With("@account", accountId);
        database.Dialect.AddTime(count, "@now", timeProvider.GetUtcNow());
        return await count.ScalarInt64Async(cancellationToken);
    }

    private async Task<int> RevokeAsync<TKey>(DbConnection connection, DbTransaction? transaction, string where, TKey key, string reason, CancellationToken cancellationToken)
    {
        await using var update = connection.Sql(transaction, $"UPDATE sessions SET revoked_at = @now, revoked_reason = @reason WHERE {where} AND revoked_at IS NULL;")
            .With("@reason", reason);
        _ = key switch
        {
            long id => update.With("@key", id),
            _ => update.With("@key", key?.ToString()),
        };
        database.Dialect.AddTime(update, "@now", timeProvider.GetUtcNow());
        return await update.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Serialise(AuthenticationTicket ticket) => Convert.ToBase64String(TicketSerializer.Default.Serialize(ticket));
}
