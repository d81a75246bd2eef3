using System.Globalization;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.CommandLine;

/// <summary>
/// <c>vsa-fleet accounts create-admin</c>: the first administrator of a fresh installation (there is no default account and no
/// default password), and <c>accounts create</c> for any role. The password is read from standard input, never from the
/// command line, where other users of the machine could see it.
/// </summary>
internal static class AccountCommands
{
    /// <summary>Actor of the audit entries written by the command line.</summary>
    public const string Actor = "cli";

    public static async Task<int> CreateAsync(Role? role, Dictionary<string, string> flags, List<string> configuration, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (role is null)
        {
            if (!flags.TryGetValue("--role", out var roleName) || roleName is not (Roles.Operator or Roles.Admin or Roles.Auditor))
            {
                return await FleetCommandLine.UsageAsync(error, "--role must be operator, admin or auditor.");
            }

            role = Roles.Parse(roleName);
        }

        if (!flags.ContainsKey("--password-stdin"))
        {
            return await FleetCommandLine.UsageAsync(error, "--password-stdin is required: type or pipe the password on standard input.");
        }

        var password = await input.ReadLineAsync(cancellationToken);
        if (!TryDate(flags, "--designation-date", out var designated) || !TryDate(flags, "--training-date", out var trained))
        {
            return await FleetCommandLine.UsageAsync(error, "--designation-date and --training-date are dates like 2025-05-01.");
        }

        var account = new NewAccount(flags.GetValueOrDefault("--name"), flags.GetValueOrDefault("--display-name"), role, password,
            flags.GetValueOrDefault("--designation-ref"), designated, trained);
        if (!AccountRules.TryValidate(account, DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime), out var errors))
        {
            foreach (var (field, messages) in errors)
            {
                await error.WriteLineAsync($"{field}: {string.Join(' ', messages)}");
            }

            return 2;
        }

        using var host = FleetCommandLine.BuildHost(flags, configuration);
        var database = host.Services.GetRequiredService<FleetDatabase>();
        if (database.SqliteFile is { } file && Path.GetDirectoryName(file) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        // A fresh installation: create the schema now rather than at the service's first start.
        await host.Services.GetRequiredService<MigrationRunner>().MigrateAsync(cancellationToken);
        var hash = host.Services.GetRequiredService<PasswordHashing>().Hash(password!);
        var created = await host.Services.GetRequiredService<AccountStore>().CreateAsync(account, hash, Actor, cancellationToken);
        if (created is null)
        {
            await error.WriteLineAsync($"An account named '{account.Name}' exists in {database.Description}.");
            return 1;
        }

        await output.WriteLineAsync($"Created {Roles.Name(created.Role)} '{created.Name}' in {database.Description}.");
        return 0;
    }

    private static bool TryDate(Dictionary<string, string> flags, string flag, out DateOnly? date)
    {
        date = null;
        if (!flags.TryGetValue(flag, out var text))
        {
            return true;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
        {
            date = value;
            return true;
        }

        return false;
    }
}
