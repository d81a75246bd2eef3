using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Evaluation;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Installations;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Api;

/// <summary>Source-generated JSON for the fleet manager's API and live events (camelCase, enums as their wire names).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AlertView))]
[JsonSerializable(typeof(IReadOnlyList<AlertView>))]
[JsonSerializable(typeof(IReadOnlyList<AlertObject>))]
[JsonSerializable(typeof(AlertDecisionRequest))]
[JsonSerializable(typeof(DeviceView))]
[JsonSerializable(typeof(IReadOnlyList<InstallationView>))]
[JsonSerializable(typeof(IReadOnlyList<DeviceView>))]
[JsonSerializable(typeof(DeviceConditions))]
[JsonSerializable(typeof(DeviceBoardPage))]
[JsonSerializable(typeof(IReadOnlyList<DeviceSite>))]
[JsonSerializable(typeof(IReadOnlyList<DeviceConditions>))]
[JsonSerializable(typeof(IngestionSnapshot))]
[JsonSerializable(typeof(IngestionStatus))]
[JsonSerializable(typeof(IReadOnlyList<DeadLetterView>))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(SignedIn))]
[JsonSerializable(typeof(PasswordChange))]
[JsonSerializable(typeof(PasswordSet))]
[JsonSerializable(typeof(NewAccount))]
[JsonSerializable(typeof(AccountChange))]
[JsonSerializable(typeof(AccountView))]
[JsonSerializable(typeof(IReadOnlyList<AccountView>))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(CreatedToken))]
[JsonSerializable(typeof(IReadOnlyList<TokenView>))]
[JsonSerializable(typeof(IReadOnlyList<AuditEntry>))]
[JsonSerializable(typeof(AuditVerification))]
[JsonSerializable(typeof(AuditCheckpoint))]
[JsonSerializable(typeof(AuthorisationRequest))]
[JsonSerializable(typeof(AuthorisationView))]
[JsonSerializable(typeof(IReadOnlyList<AuthorisationView>))]
[JsonSerializable(typeof(IReadOnlyList<AuthorisedCamera>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(IReadOnlyList<AuthorisationWindow>))]
[JsonSerializable(typeof(DesiredConfigRequest))]
[JsonSerializable(typeof(DeviceConfigView))]
[JsonSerializable(typeof(CameraLayout))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(EnrolmentTokenRequest))]
[JsonSerializable(typeof(CreatedEnrolmentToken))]
[JsonSerializable(typeof(IReadOnlyList<EnrolmentTokenView>))]
[JsonSerializable(typeof(EnrolmentRequest))]
[JsonSerializable(typeof(EnrolmentResponse))]
[JsonSerializable(typeof(SigningKeyView))]
[JsonSerializable(typeof(RevocationRequest))]
[JsonSerializable(typeof(RevocationResult))]
[JsonSerializable(typeof(EvaluationReport))]
[JsonSerializable(typeof(Suspensions.SuspensionRequest))]
[JsonSerializable(typeof(Suspensions.ResumeRequest))]
[JsonSerializable(typeof(Suspensions.SuspensionView))]
[JsonSerializable(typeof(Suspensions.SuspensionList))]
[JsonSerializable(typeof(DecisionBreakdown))]
[JsonSerializable(typeof(AuditVerificationReport))]
public sealed partial class FleetJsonContext : JsonSerializerContext;
