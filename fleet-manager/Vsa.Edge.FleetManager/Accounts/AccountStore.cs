using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>What an account change did.</summary>
public enum AccountChangeOutcome
{
    /// <summary>Changed and audited.</summary>
    Changed,

    /// <summary>No such account.</summary>
    NotFound,

    /// <summary>Refused: it would leave no active administrator.</summary>
    LastAdmin,
}

/// <summary>Accounts in the fleet database; every change is written with its audit entry in one transaction.</summary>
public sealed class AccountStore(FleetDatabase database, IAuditLog audit, SessionStore sessions, TimeProvider timeProvider)
{
    private const string Columns = """
        account_id, name, display_name, role, designation_reference, designation_date, training_date, disabled_at, created_at, updated_at,
        password_hash, security_stamp
        """;

    /// <summary>
    /// Creates a validated account with an already hashed password; null when the name is taken. <paramref name="actor"/> is
    /// who creates it (an administrator's name, or <c>cli</c>).
    /// </summary>
    public Task<AccountView?> CreateAsync(NewAccount account, string passwordHash, string actor, CancellationToken cancellationToken) =>
        database.InTransactionAsync<AccountView?>(async (connection, transaction) =>
        {
            if (await FindAsync(connection, transaction, "name = @key", account.Name!, cancellationToken) is not null)
            {
                return null;
            }

            var dialect = database.Dialect;
            var now = timeProvider.GetUtcNow();
            await using (var insert = connection.Sql(transaction, $"""
                INSERT INTO accounts (name, display_name, role, designation_reference, designation_date, training_date, disabled_at, created_at, updated_at, password_hash, security_stamp)
                VALUES (@name, @display, @role, @reference, @designated, @trained, NULL, @now, @now, @hash, @stamp);
                """))
            {
                insert.With("@name", account.Name).With("@display", account.DisplayName!.Trim()).With("@role", Roles.Name(account.Role!.Value))
                    .With("@reference", account.DesignationReference!.Trim()).With("@hash", passwordHash).With("@stamp", NewStamp());
                dialect.AddDate(insert, "@designated", account.DesignationDate);
                dialect.AddDate(insert, "@trained", account.TrainingDate);
                dialect.AddTime(insert, "@now", now);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            var created = (await FindAsync(connection, transaction, "name = @key", account.Name!, cancellationToken))!.View;
            await audit.AppendAsync(connection, transaction, new AuditEvent(actor, AuditActions.AccountCreated, Target(created.Name), Describe(created)), cancellationToken);
            return created;
        }, cancellationToken);

    /// <summary>All accounts, by name.</summary>
    public async Task<IReadOnlyList<AccountView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"SELECT {Columns} FROM accounts ORDER BY name;");
        var accounts = new List<AccountView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = reader.Columns(database.Dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            accounts.Add(Read(columns).View);
        }

        return accounts;
    }

    /// <summary>An account by name, with its password hash, or null.</summary>
    public async Task<StoredAccount?> FindAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, "name = @key", name, cancellationToken);
    }

    /// <summary>An account by id, with its password hash, or null.</summary>
    public async Task<StoredAccount?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, "account_id = @key", id, cancellationToken);
    }

    /// <summary>Applies the given fields of <paramref name="change"/>; refuses to disable or demote the last active administrator.</summary>
    public Task<(AccountChangeOutcome Outcome, AccountView? Account)> UpdateAsync(string name, AccountChange change, string actor, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            if (await FindAsync(connection, transaction, "name = @key", name, cancellationToken) is not { } held)
            {
                return (AccountChangeOutcome.NotFound, (AccountView?)null);
            }

            var before = held.View;
            var after = before with
            {
                DisplayName = change.DisplayName?.Trim() ?? before.DisplayName,
                Role = change.Role ?? before.Role,
                DesignationReference = change.DesignationReference?.Trim() ?? before.DesignationReference,
                DesignationDate = change.DesignationDate ?? before.DesignationDate,
                TrainingDate = change.TrainingDate ?? before.TrainingDate,
                Disabled = change.Disabled ?? before.Disabled,
            };
            var losesAdmin = before is { Role: Role.Admin, Disabled: false } && (after.Role != Role.Admin || after.Disabled);
            if (losesAdmin && await CountActiveAdminsAsync(connection, transaction, cancellationToken) <= 1)
            {
                return (AccountChangeOutcome.LastAdmin, before);
            }

            // A new role or a disabled account ends the sessions opened before.
            var stamp = after.Role != before.Role || after.Disabled != before.Disabled ? NewStamp() : held.SecurityStamp;
            var dialect = database.Dialect;
            var now = timeProvider.GetUtcNow();
            await using (var update = connection.Sql(transaction, """
                UPDATE accounts SET display_name = @display, role = @role, designation_reference = @reference, designation_date = @designated,
                    training_date = @trained,
                    disabled_at = CASE WHEN @disabled = 1 THEN COALESCE(disabled_at, @now) ELSE NULL END, security_stamp = @stamp, updated_at = @now
                WHERE account_id = @id;
                """))
            {
                update.With("@display", after.DisplayName).With("@role", Roles.Name(after.Role)).With("@reference", after.DesignationReference)
                    .With("@stamp", stamp).With("@id", before.Id).With("@disabled", after.Disabled ? 1 : 0);
                dialect.AddDate(update, "@designated", after.DesignationDate);
                dialect.AddDate(update, "@trained", after.TrainingDate);
                dialect.AddTime(update, "@now", now);
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            if (!string.Equals(stamp, held.SecurityStamp, StringComparison.Ordinal))
            {
                await sessions.RevokeAccountAsync(connection, transaction, before.Id, SessionEndings.AccountChanged, cancellationToken);
            }

            var details = Describe(after);
            details["before"] = Describe(before);
            await audit.AppendAsync(connection, transaction, new AuditEvent(actor, AuditActions.AccountUpdated, Target(name), details), cancellationToken);
            return (AccountChangeOutcome.Changed, (await FindAsync(connection, transaction, "account_id = @key", before.Id, cancellationToken))!.View);
        }, cancellationToken);

    /// <summary>Replaces the password hash (ending every session of the account) and records <paramref name="action"/>.</summary>
    public Task<bool> SetPasswordAsync(string name, string passwordHash, string actor, string action, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            if (await FindAsync(connection, transaction, "name = @key", name, cancellationToken) is not { } held)
            {
                return false;
            }

            await using (var update = connection.Sql(transaction, "UPDATE accounts SET password_hash = @hash, security_stamp = @stamp, updated_at = @now WHERE account_id = @id;"))
            {
                update.With("@hash", passwordHash).With("@stamp", NewStamp()).With("@id", held.View.Id);
                database.Dialect.AddTime(update, "@now", timeProvider.GetUtcNow());
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            // Every session of the account ends now, the one that changed the password included: a captured cookie dies with the old password.
            await sessions.RevokeAccountAsync(connection, transaction, held.View.Id, SessionEndings.PasswordChanged, cancellationToken);

            await audit.AppendAsync(connection, transaction, new AuditEvent(actor, action, Target(name)), cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>The audit target of an account.</summary>
    public static string Target(string name) => $"account:{name}";

    private static JsonObject Describe(AccountView a) => new()
    {
        ["displayName"] = a.DisplayName,
        ["role"] = Roles.Name(a.Role),
        ["designationReference"] = a.DesignationReference,
        ["designationDate"] = a.DesignationDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["trainingDate"] = a.TrainingDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["disabled"] = a.Disabled,
    };

    private static string NewStamp() => Guid.NewGuid().ToString("N");

    private static async Task<long> CountActiveAdminsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, "SELECT COUNT(*) FROM accounts WHERE role = @role AND disabled_at IS NULL;").With("@role", Roles.Admin);
        return await command.ScalarInt64Async(cancellationToken);
    }

    private async Task<StoredAccount?> FindAsync<TKey>(DbConnection connection, DbTransaction? transaction, string where, TKey key, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"SELECT {Columns} FROM accounts WHERE {where};");
        _ = key switch
        {
            long id => command.With("@key", id),
            _ => command.With("@key", key?.ToString()),
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader.Columns(database.Dialect)) : null;
    }

    private static StoredAccount Read(NamedColumns r)
    {
        var view = new AccountView(
            r.Int64("account_id"), r.String("name"), r.String("display_name"), Roles.Parse(r.String("role")), r.String("designation_reference"),
            r.Date("designation_date"), r.Date("training_date"), !r.IsNull("disabled_at"), r.Time("created_at"), r.Time("updated_at"));
        return new StoredAccount(view, r.String("password_hash"), r.String("security_stamp"));
    }
}
