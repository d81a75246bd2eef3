using System.Globalization;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>Body of <c>POST /api/tokens</c>.</summary>
/// <param name="Name">What the token is for (e.g. "VMS bridge"), 1 to 100 characters.</param>
/// <param name="ExpiresInDays">Lifetime in days, default 90, at most <see cref="AccountsOptions.TokenMaxDays"/>.</param>
public sealed record TokenRequest(string? Name, int? ExpiresInDays);

/// <summary>A token as listed (never its secret).</summary>
/// <param name="Id">Token id.</param>
/// <param name="Name">What it is for.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ExpiresAt">When it stops working.</param>
/// <param name="RevokedAt">When it was revoked, if it was.</param>
public sealed record TokenView(long Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>A token just created: the only time its secret is shown.</summary>
/// <param name="Id">Token id.</param>
/// <param name="Name">What it is for.</param>
/// <param name="Token">The secret, for <c>Authorization: Bearer …</c>. Stored only as its SHA-256.</param>
/// <param name="ExpiresAt">When it stops working.</param>
public sealed record CreatedToken(long Id, string Name, string Token, DateTimeOffset ExpiresAt);

/// <summary>
/// API tokens for automation. A token is 32 random bytes (<c>vsa_</c> + base64url), stored as its SHA-256: with that much
/// entropy a slow KDF adds nothing, and a lookup by hash stays one indexed read per request.
/// </summary>
public sealed class ApiTokenStore(FleetDatabase database, AccountStore accounts, IAuditLog audit, TimeProvider timeProvider)
{
    /// <summary>Prefix of every token, so that a leaked one is recognisable (secret scanners, logs).</summary>
    public const string Prefix = "vsa_";

    /// <summary>Creates a token for <paramref name="account"/>; the secret is in the result and nowhere else.</summary>
    public Task<CreatedToken> CreateAsync(AccountView account, string name, TimeSpan lifetime, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var secret = SecretTokens.New(Prefix);
            var now = timeProvider.GetUtcNow();
            var expires = SqlDialect.Normalise(now + lifetime);
            var dialect = database.Dialect;
            await using (var insert = connection.Sql(transaction, "INSERT INTO api_tokens (account_id, name, token_hash, created_at, expires_at) VALUES (@account, @name, @hash, @now, @expires);"))
            {
                insert.With("@account", account.Id).With("@name", name).With("@hash", HashOf(secret));
                dialect.AddTime(insert, "@now", now);
                dialect.AddTime(insert, "@expires", expires);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var select = connection.Sql(transaction, "SELECT token_id FROM api_tokens WHERE token_hash = @hash;").With("@hash", HashOf(secret));
            var id = await select.ScalarInt64Async(cancellationToken);
            await audit.AppendAsync(connection, transaction, new AuditEvent(account.Name, AuditActions.TokenCreated, Target(id), new JsonObject
            {
                ["name"] = name,
                ["expiresAt"] = expires.ToString("O", CultureInfo.InvariantCulture),
            }), cancellationToken);
            return new CreatedToken(id, name, secret, expires);
        }, cancellationToken);

    /// <summary>The active account a token belongs to, or null (unknown, expired or revoked token, disabled account).</summary>
    public async Task<AccountView?> AuthenticateAsync(string secret, CancellationToken cancellationToken)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, """
            SELECT a.name FROM api_tokens t JOIN accounts a ON a.account_id = t.account_id
            WHERE t.token_hash = @hash AND t.revoked_at IS NULL AND t.expires_at > @now AND a.disabled_at IS NULL;
            """).With("@hash", HashOf(secret));
        database.Dialect.AddTime(command, "@now", timeProvider.GetUtcNow());
        return await command.ExecuteScalarAsync(cancellationToken) is string name ? (await FindAccountAsync(name, cancellationToken)) : null;
    }

    /// <summary>The tokens of an account, newest first.</summary>
    public async Task<IReadOnlyList<TokenView>> ListAsync(long accountId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, "SELECT token_id, name, created_at, expires_at, revoked_at FROM api_tokens WHERE account_id = @account ORDER BY token_id DESC;")
            .With("@account", accountId);
        var tokens = new List<TokenView>();
        var dialect = database.Dialect;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns(dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            tokens.Add(new TokenView(c.Int64("token_id"), c.String("name"), c.Time("created_at"), c.Time("expires_at"), c.TimeOrNull("revoked_at")));
        }

        return tokens;
    }

    /// <summary>Revokes one of <paramref name="account"/>'s tokens; false when it has no such active token.</summary>
    public Task<bool> RevokeAsync(AccountView account, long tokenId, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await using (var update = connection.Sql(transaction, "UPDATE api_tokens SET revoked_at = @now WHERE token_id = @id AND account_id = @account AND revoked_at IS NULL;"))
            {
                update.With("@id", tokenId).With("@account", account.Id);
                database.Dialect.AddTime(update, "@now", timeProvider.GetUtcNow());
                if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    return false;
                }
            }

            await audit.AppendAsync(connection, transaction, new AuditEvent(account.Name, AuditActions.TokenRevoked, Target(tokenId)), cancellationToken);
            return true;
        }, cancellationToken);

    private static string Target(long id) => string.Create(CultureInfo.InvariantCulture, $"token:{id}");

    private static string HashOf(string secret) => SecretTokens.HashOf(secret);

    private async Task<AccountView?> FindAccountAsync(string name, CancellationToken cancellationToken) =>
        (await accounts.FindAsync(name, cancellationToken))?.View;
}
