using System.Text.RegularExpressions;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>An account as the API shows it (never its password hash).</summary>
/// <param name="Id">Database id.</param>
/// <param name="Name">Sign-in name, unique, immutable: lower-case letters, digits, '.', '_' and '-'.</param>
/// <param name="DisplayName">The person's name, as the audit reader wants to see it.</param>
/// <param name="Role">What the account may do.</param>
/// <param name="DesignationReference">Reference of the act designating the agent (décret 2023-828 art. 15), e.g. an order number.</param>
/// <param name="DesignationDate">Date of that act.</param>
/// <param name="TrainingDate">Date the agent completed the training on the processing.</param>
/// <param name="Disabled">Whether sign-in and tokens are refused.</param>
/// <param name="CreatedAt">When the account was created.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record AccountView(
    long Id,
    string Name,
    string DisplayName,
    Role Role,
    string DesignationReference,
    DateOnly DesignationDate,
    DateOnly TrainingDate,
    bool Disabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>An account with what sign-in needs.</summary>
/// <param name="View">The account.</param>
/// <param name="PasswordHash">The stored PBKDF2 hash.</param>
/// <param name="SecurityStamp">Changes whenever the password, role or status changes; sessions carrying an older one end.</param>
public sealed record StoredAccount(AccountView View, string PasswordHash, string SecurityStamp);

/// <summary>Body of <c>POST /api/accounts</c>; also what <c>vsa-fleet accounts create-admin</c> fills.</summary>
/// <param name="Name">Sign-in name.</param>
/// <param name="DisplayName">The person's name.</param>
/// <param name="Role">operator, admin or auditor.</param>
/// <param name="Password">Initial password (12 to 256 characters).</param>
/// <param name="DesignationReference">Reference of the designation act.</param>
/// <param name="DesignationDate">Date of the designation act (not in the future).</param>
/// <param name="TrainingDate">Date of the training (not in the future).</param>
public sealed record NewAccount(string? Name, string? DisplayName, Role? Role, string? Password, string? DesignationReference, DateOnly? DesignationDate, DateOnly? TrainingDate);

/// <summary>Body of <c>PATCH /api/accounts/{name}</c>: only the fields given change.</summary>
/// <param name="DisplayName">New display name.</param>
/// <param name="Role">New role.</param>
/// <param name="DesignationReference">New designation reference.</param>
/// <param name="DesignationDate">New designation date.</param>
/// <param name="TrainingDate">New training date (after a refresher course).</param>
/// <param name="Disabled">True to refuse sign-in and tokens, false to allow them again.</param>
public sealed record AccountChange(string? DisplayName, Role? Role, string? DesignationReference, DateOnly? DesignationDate, DateOnly? TrainingDate, bool? Disabled);

/// <summary>Body of <c>POST /api/auth/login</c>.</summary>
/// <param name="Name">Account name.</param>
/// <param name="Password">Password.</param>
public sealed record LoginRequest(string? Name, string? Password);

/// <summary>Body of <c>POST /api/auth/password</c>.</summary>
/// <param name="CurrentPassword">The password in use.</param>
/// <param name="NewPassword">The new one.</param>
public sealed record PasswordChange(string? CurrentPassword, string? NewPassword);

/// <summary>Body of <c>PUT /api/accounts/{name}/password</c>.</summary>
/// <param name="Password">The new password.</param>
public sealed record PasswordSet(string? Password);

/// <summary>Who is signed in: answer of <c>POST /api/auth/login</c> and <c>GET /api/auth/me</c>.</summary>
/// <param name="Name">Account name.</param>
/// <param name="DisplayName">Display name.</param>
/// <param name="Role">Role.</param>
/// <param name="Method"><c>password</c> (cookie) or <c>token</c> (bearer).</param>
public sealed record SignedIn(string Name, string DisplayName, Role Role, string Method);

/// <summary>Rules of account fields.</summary>
public static partial class AccountRules
{
    /// <summary>Shortest password accepted.</summary>
    public const int MinPasswordLength = 12;

    /// <summary>Longest password accepted (PBKDF2 cost grows with it).</summary>
    public const int MaxPasswordLength = 256;

    /// <summary>Checks a new account as of <paramref name="today"/>; errors keyed by field.</summary>
    public static bool TryValidate(NewAccount account, DateOnly today, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (account.Name is null || !NamePattern().IsMatch(account.Name))
        {
            errors["name"] = ["name must be 2 to 64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit."];
        }

        if (!Enum.IsDefined(account.Role ?? (Role)(-1)))
        {
            errors["role"] = ["role must be operator, admin or auditor."];
        }

        CheckPassword(account.Password, "password", errors);
        CheckDetails(account.DisplayName, account.DesignationReference, account.DesignationDate, account.TrainingDate, today, required: true, errors);
        return errors.Count == 0;
    }

    /// <summary>Checks a change as of <paramref name="today"/>; errors keyed by field.</summary>
    public static bool TryValidate(AccountChange change, DateOnly today, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (change.Role is { } role && !Enum.IsDefined(role))
        {
            errors["role"] = ["role must be operator, admin or auditor."];
        }

        CheckDetails(change.DisplayName, change.DesignationReference, change.DesignationDate, change.TrainingDate, today, required: false, errors);
        return errors.Count == 0;
    }

    /// <summary>Checks a password's length; adds an error under <paramref name="field"/>.</summary>
    public static void CheckPassword(string? password, string field, Dictionary<string, string[]> errors)
    {
        if (password is null || password.Length < MinPasswordLength || password.Length > MaxPasswordLength)
        {
            errors[field] = [$"{field} must be {MinPasswordLength} to {MaxPasswordLength} characters."];
        }
    }

    private static void CheckDetails(string? displayName, string? reference, DateOnly? designated, DateOnly? trained, DateOnly today, bool required, Dictionary<string, string[]> errors)
    {
        if ((required || displayName is not null) && (string.IsNullOrWhiteSpace(displayName) || displayName.Length > 128))
        {
            errors["displayName"] = ["displayName must be 1 to 128 characters."];
        }

        // The décret asks for individually designated and trained agents: an account without both cannot exist.
        if ((required || reference is not null) && (string.IsNullOrWhiteSpace(reference) || reference.Length > 200))
        {
            errors["designationReference"] = ["designationReference (the act designating the agent) is required, at most 200 characters."];
        }

        if ((required && designated is null) || designated > today)
        {
            errors["designationDate"] = ["designationDate is required and cannot be in the future."];
        }

        if ((required && trained is null) || trained > today)
        {
            errors["trainingDate"] = ["trainingDate is required and cannot be in the future."];
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{1,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
