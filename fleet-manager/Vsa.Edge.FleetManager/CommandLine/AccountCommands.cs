using System.CommandLine;
using Vsa.Edge.CommandLine;
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

    public static Command Create(FleetConsole console) =>
        new("accounts", "Accounts of the console, created on the fleet's database (the schema is created if needed).")
        {
            CreateCommand(console, "create-admin", null),
            CreateCommand(console, "create", CliValueOptions.OneOf("--role", "The account's role", Roles.Operator, Roles.Admin, Roles.Auditor)),
        };

    /// <summary><c>vsa-fleet rollouts</c> and <c>accounts</c>: the password on standard input, asked for explicitly.</summary>
    internal static Option<bool> PasswordStdin(Command command) =>
        CliValueOptions.RequiredFlag(command, "--password-stdin", "Read the password from standard input (never from the command line)", "type or pipe the password on standard input");

    private static Command CreateCommand(FleetConsole console, string name, Option<string>? roleOption)
    {
        var database = new DatabaseOptions();
        var accountName = new Option<string>("--name") { Description = "The sign-in name" };
        var displayName = new Option<string>("--display-name") { Description = "The name shown in the console and the audit log" };
        var designationRef = new Option<string>("--designation-ref") { Description = "The reference of the designation (arrêté, decision)" };
        var designationDate = CliValueOptions.Date("--designation-date", "The date of the designation");
        var trainingDate = CliValueOptions.Date("--training-date", "The date of the training");
        var command = new Command(name, roleOption is null ? "Create an administrator (the first one of a fresh installation)." : "Create an account of any role.");
        if (roleOption is not null)
        {
            roleOption.Required = true;
            command.Options.Add(roleOption);
        }

        command.Options.Add(accountName);
        command.Options.Add(displayName);
        command.Options.Add(designationRef);
        command.Options.Add(designationDate);
        command.Options.Add(trainingDate);
        PasswordStdin(command);
        database.AddTo(command);
        command.SetAction(FleetCommandLine.Guarded(console.Error, async (r, ct) =>
        {
            var role = roleOption is null ? Role.Admin : Roles.Parse(r.GetRequiredValue(roleOption));
            var arguments = database.Read(r);
            var password = await console.Input.ReadLineAsync(ct);
            var account = new NewAccount(r.GetValue(accountName), r.GetValue(displayName), role, password,
                r.GetValue(designationRef), r.GetValue(designationDate), r.GetValue(trainingDate));
            return await CreateAsync(account, arguments, console.Output, console.Error, ct);
        }));
        return command;
    }

    private static async Task<int> CreateAsync(NewAccount account, DatabaseArguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!AccountRules.TryValidate(account, DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime), out var errors))
        {
            foreach (var (field, messages) in errors)
            {
                await error.WriteLineAsync($"{field}: {string.Join(' ', messages)}");
            }

            return 2;
        }

        using var host = FleetCommandLine.BuildHost(arguments);
        var database = host.Services.GetRequiredService<FleetDatabase>();
        if (database.SqliteFile is { } file && Path.GetDirectoryName(file) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        // A fresh installation: create the schema now rather than at the service's first start.
        await host.Services.GetRequiredService<MigrationRunner>().MigrateAsync(cancellationToken);
        var hash = host.Services.GetRequiredService<PasswordHashing>().Hash(account.Password!);
        var created = await host.Services.GetRequiredService<AccountStore>().CreateAsync(account, hash, Actor, cancellationToken);
        if (created is null)
        {
            await error.WriteLineAsync($"An account named '{account.Name}' exists in {database.Description}.");
            return 1;
        }

        await output.WriteLineAsync($"Created {Roles.Name(created.Role)} '{created.Name}' in {database.Description}.");
        return 0;
    }
}
