import ScoreKit
